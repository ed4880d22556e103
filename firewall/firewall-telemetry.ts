// The firewall's telemetry (service cordon-dns), when the allowlist has a
// [telemetry] table: the OTel code is loaded only then, header variables come
// from the process's own environment, and a telemetry problem is a log line,
// never a firewall failure.
import type { Pipeline } from "../common/otel-pipeline.js";
import { telemetrySettings } from "../common/otel-settings.js";
import type { FirewallState } from "./bringup-state.js";
import { packageVersion } from "../agent/version.js";

export async function firewallPipeline(
  state: FirewallState | null,
  log: (line: string) => void,
  exportIntervalMs?: number,
): Promise<Pipeline | null> {
  const t = state?.telemetry;
  if (!t) return null;
  let settings;
  try {
    settings = telemetrySettings({ ...t, log_user_prompt: false }, `${state.allowlist} [telemetry]`, process.env);
  } catch (e) {
    log(`telemetry off: ${(e as Error).message}`);
    return null;
  }
  const { startPipeline } = await import("../common/otel-pipeline.js");
  return startPipeline(settings, {
    serviceName: "cordon-dns",
    version: (() => {
      try {
        return packageVersion();
      } catch {
        return "unknown";
      }
    })(),
    warn: log,
    ...(exportIntervalMs ? { exportIntervalMs } : {}),
  });
}
