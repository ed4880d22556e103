// One OpenTelemetry pipeline for a cordon process (the agent, the firewall
// bring-up, the DNS refresher): the SDK's LoggerProvider and MeterProvider
// with the OTel project's OTLP exporters (HTTP JSON, HTTP protobuf, gRPC).
// Export runs in the background in batches; a collector that is down or slow
// costs one warning and never holds the caller: the queue is bounded (records
// past it are dropped and counted), and shutdown waits at most a deadline.
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { Metadata } from "@grpc/grpc-js";
import type { Attributes as OtelAttributes, Counter, Gauge, Histogram } from "@opentelemetry/api";
import { setGlobalErrorHandler, type ExportResult } from "@opentelemetry/core";
import { OTLPLogExporter as GrpcLogs } from "@opentelemetry/exporter-logs-otlp-grpc";
import { OTLPLogExporter as JsonLogs } from "@opentelemetry/exporter-logs-otlp-http";
import { OTLPLogExporter as ProtoLogs } from "@opentelemetry/exporter-logs-otlp-proto";
import { OTLPMetricExporter as GrpcMetrics } from "@opentelemetry/exporter-metrics-otlp-grpc";
import { OTLPMetricExporter as JsonMetrics } from "@opentelemetry/exporter-metrics-otlp-http";
import { OTLPMetricExporter as ProtoMetrics } from "@opentelemetry/exporter-metrics-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  BatchLogRecordProcessor,
  LoggerProvider,
  type LogRecordExporter,
  type ReadableLogRecord,
} from "@opentelemetry/sdk-logs";
import { MeterProvider, PeriodicExportingMetricReader, type PushMetricExporter } from "@opentelemetry/sdk-metrics";
import type { Exporter, TelemetrySettings } from "./otel-settings.js";

import type { LogOut, MetricOut } from "./otel-records.js";

export type { Attributes, LogOut, MetricOut } from "./otel-records.js";

export interface Pipeline {
  log(l: LogOut): void;
  point(m: MetricOut): void;
  /** Records dropped because the queue was full (the collector is not keeping up). */
  dropped(): number;
  /** Sends what is queued, waiting at most `deadlineMs`; never throws. */
  shutdown(deadlineMs?: number): Promise<void>;
}

export interface PipelineOptions {
  serviceName: string;
  version: string;
  warn: (line: string) => void;
  /** Makes an error message safe to print (secrets out). */
  redact?: (text: string) => string;
  /** Records waiting for export at most; past it they are dropped and counted. */
  maxQueue?: number;
  /** How often queued records go out (metrics: at least every 10 s, or this). */
  exportIntervalMs?: number;
}

/** The container id from the cgroup or mount table, when running in one. */
function containerId(): string | null {
  for (const f of ["/proc/self/mountinfo", "/proc/self/cgroup"]) {
    try {
      const m = /\/(?:docker|containers|libpod)[/-]([0-9a-f]{64})/.exec(readFileSync(f, "utf8"));
      if (m?.[1]) return m[1];
    } catch {
      // not Linux, or not readable
    }
  }
  return null;
}

/** OTLP/HTTP paths per signal: an endpoint ending in /v1/logs serves logs, /v1/metrics beside it. */
export function signalUrls(endpoint: string): { logs: string; metrics: string } {
  const u = endpoint.replace(/\/+$/, "");
  if (/\/v1\/logs$/.test(u)) return { logs: u, metrics: u.replace(/\/v1\/logs$/, "/v1/metrics") };
  return { logs: `${u}/v1/logs`, metrics: `${u}/v1/metrics` };
}

function exporters(x: Exclude<Exporter, { kind: "none" }>): { logs: LogRecordExporter; metrics: PushMetricExporter } {
  const timeoutMillis = 2000;
  if (x.kind === "otlp-grpc") {
    const metadata = new Metadata();
    for (const [k, v] of Object.entries(x.headers)) metadata.set(k, v);
    return {
      logs: new GrpcLogs({ url: x.endpoint, metadata, timeoutMillis }),
      metrics: new GrpcMetrics({ url: x.endpoint, metadata, timeoutMillis }),
    };
  }
  const urls = signalUrls(x.endpoint);
  const [Logs, Metrics] = x.protocol === "json" ? [JsonLogs, JsonMetrics] : [ProtoLogs, ProtoMetrics];
  return {
    logs: new Logs({ url: urls.logs, headers: x.headers, timeoutMillis }),
    metrics: new Metrics({ url: urls.metrics, headers: x.headers, timeoutMillis }),
  };
}

export function startPipeline(
  settings: Pick<TelemetrySettings, "environment" | "exporter">,
  o: PipelineOptions,
): Pipeline {
  const maxQueue = o.maxQueue ?? 2048;
  const redact = o.redact ?? ((t: string) => t);
  let warned = false;
  // Export failures arrive here from the SDK: the first one is worth a line, the rest are the same story.
  setGlobalErrorHandler((e) => {
    if (warned) return;
    warned = true;
    const where = settings.exporter.kind === "none" ? "" : ` to ${settings.exporter.endpoint}`;
    o.warn(
      `telemetry: cannot export${where}: ${redact(String((e as Error)?.message ?? e))}; records are dropped while it fails (the work goes on)`,
    );
  });
  const cid = containerId();
  const resource = resourceFromAttributes({
    "service.name": o.serviceName,
    "service.version": o.version,
    "deployment.environment": settings.environment,
    "deployment.environment.name": settings.environment,
    "host.name": hostname(),
    ...(cid ? { "container.id": cid } : {}),
  });
  let inFlight = 0;
  let dropped = 0;
  const x = settings.exporter.kind === "none" ? null : exporters(settings.exporter);
  // Counts what leaves, so the queue bound is cordon's own and a drop is counted, not silent.
  const counting: LogRecordExporter | null = x && {
    export(records: ReadableLogRecord[], done: (r: ExportResult) => void) {
      x.logs.export(records, (r) => {
        inFlight -= records.length;
        done(r);
      });
    },
    shutdown: () => x.logs.shutdown(),
  };
  const loggerProvider = new LoggerProvider({
    resource,
    processors: counting
      ? [
          new BatchLogRecordProcessor(counting, {
            maxQueueSize: maxQueue,
            maxExportBatchSize: Math.min(512, maxQueue),
            scheduledDelayMillis: o.exportIntervalMs ?? 1000,
            exportTimeoutMillis: 3000,
          }),
        ]
      : [],
  });
  const meterProvider = new MeterProvider({
    resource,
    readers: x
      ? [
          new PeriodicExportingMetricReader({
            exporter: x.metrics,
            exportIntervalMillis: Math.max(Math.min(o.exportIntervalMs ?? 10_000, 10_000), 1000),
            exportTimeoutMillis: 3000,
          }),
        ]
      : [],
  });
  const logger = loggerProvider.getLogger(o.serviceName, o.version);
  const meter = meterProvider.getMeter(o.serviceName, o.version);
  const counters = new Map<string, Counter>();
  const histograms = new Map<string, Histogram>();
  const gauges = new Map<string, Gauge>();
  let closed = false;
  const point = (m: MetricOut) => {
    if (closed) return;
    const attrs = m.attributes as OtelAttributes;
    if (m.kind === "counter") {
      let c = counters.get(m.instrument);
      if (!c) counters.set(m.instrument, (c = meter.createCounter(m.instrument)));
      c.add(m.value, attrs);
    } else if (m.kind === "histogram") {
      let h = histograms.get(m.instrument);
      if (!h) histograms.set(m.instrument, (h = meter.createHistogram(m.instrument, { unit: "ms" })));
      h.record(m.value, attrs);
    } else {
      let g = gauges.get(m.instrument);
      if (!g) gauges.set(m.instrument, (g = meter.createGauge(m.instrument)));
      g.record(m.value, attrs);
    }
  };
  return {
    log(l) {
      if (closed) return;
      if (x && inFlight >= maxQueue) {
        dropped++;
        return;
      }
      if (x) inFlight++;
      logger.emit({
        eventName: l.name,
        body: l.name,
        attributes: { "event.name": l.name, ...l.attributes },
        timestamp: Date.now(),
      });
    },
    point,
    dropped: () => dropped,
    async shutdown(deadlineMs = 2000) {
      if (closed) return;
      if (dropped) point({ instrument: "cordon.telemetry.dropped", kind: "counter", value: dropped, attributes: {} });
      closed = true;
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<"late">((r) => {
        timer = setTimeout(() => r("late"), deadlineMs);
        timer.unref();
      });
      const done = Promise.all([loggerProvider.shutdown(), meterProvider.shutdown()]).then(
        () => "sent" as const,
        () => "failed" as const,
      );
      const r = await Promise.race([done, deadline]);
      clearTimeout(timer);
      if (r === "late" && !warned)
        o.warn(`telemetry: the collector did not take the last records within ${deadlineMs} ms; they are dropped`);
      if (dropped) o.warn(`telemetry: ${dropped} records were dropped because the collector did not keep up`);
    },
  };
}
