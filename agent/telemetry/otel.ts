// The agent's telemetry: its events (session/events.ts) become records and
// points (records.ts, redacted there) on one OTLP pipeline
// (common/otel-pipeline.ts) with service.name "cordon".
import { startPipeline } from "../../common/otel-pipeline.js";
import type { TelemetrySettings } from "../../common/otel-settings.js";
import type { AgentEvent } from "../session/events.js";
import { makeRedactor } from "./redact.js";
import { newTrackState, promptRecord, recordsFor } from "./records.js";

export interface Telemetry {
  record(e: AgentEvent): void;
  userPrompt(text: string): void;
  /** Records dropped because the queue was full (the collector is not keeping up). */
  dropped(): number;
  /** Sends what is queued, waiting at most `deadlineMs`; never throws. */
  shutdown(deadlineMs?: number): Promise<void>;
}

export interface TelemetryOptions {
  version: string;
  /** Values that must never appear in an exported byte. */
  secrets: (string | undefined)[];
  warn: (line: string) => void;
  maxQueue?: number;
  exportIntervalMs?: number;
}

export function startTelemetry(settings: TelemetrySettings, o: TelemetryOptions): Telemetry {
  const redact = makeRedactor(o.secrets);
  const p = startPipeline(settings, {
    serviceName: "cordon",
    version: o.version,
    warn: o.warn,
    redact,
    ...(o.maxQueue ? { maxQueue: o.maxQueue } : {}),
    ...(o.exportIntervalMs ? { exportIntervalMs: o.exportIntervalMs } : {}),
  });
  const state = newTrackState();
  return {
    record(e) {
      const r = recordsFor(e, state, Date.now(), redact);
      r.logs.forEach((l) => p.log(l));
      r.metrics.forEach((m) => p.point(m));
    },
    userPrompt: (text) => p.log(promptRecord(text, settings.logUserPrompt, state, redact)),
    dropped: () => p.dropped(),
    shutdown: (deadlineMs) => p.shutdown(deadlineMs),
  };
}
