// The firewall's telemetry (service cordon-dns), when the allowlist has a
// [telemetry] table: the OTel code is loaded only then, header variables come
// from the process's own environment, and a telemetry problem is a log line,
// never a firewall failure.
import { readFileSync } from "node:fs";
import { exporterTarget, headerVariables } from "../common/otel-config.js";
import type { Pipeline } from "../common/otel-pipeline.js";
import { telemetrySettings } from "../common/otel-settings.js";
import type { FirewallState } from "./bringup-state.js";
import { packageVersion } from "../agent/version.js";

/**
 * Where header `${VAR}`s are looked up: the container's own environment
 * (/proc/1/environ, as init-firewall.sh reads its settings; sudo resets the
 * rest), under this process's. The refresher cannot read pid 1's environment
 * (another user), so the bring-up hands it the values it needs (launch.ts).
 */
export function telemetryEnv(): NodeJS.ProcessEnv {
  let container: NodeJS.ProcessEnv = {};
  try {
    container = Object.fromEntries(
      readFileSync("/proc/1/environ", "utf8")
        .split("\0")
        .filter((kv) => kv.includes("="))
        .map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
    );
  } catch {
    // not readable (not root): this process's environment only
  }
  return { ...container, ...process.env };
}

/** The variables [telemetry] headers name, with their values: what the refresher must be given. */
export function telemetryVariables(state: FirewallState | null): Record<string, string> {
  const target = state?.telemetry ? exporterTarget(state.telemetry.exporter) : null;
  if (!target) return {};
  const env = telemetryEnv();
  return Object.fromEntries(
    headerVariables(target.headers).flatMap((n) => (env[n] !== undefined ? [[n, env[n] as string]] : [])),
  );
}

export async function firewallPipeline(
  state: FirewallState | null,
  log: (line: string) => void,
  exportIntervalMs?: number,
): Promise<Pipeline | null> {
  const t = state?.telemetry;
  if (!t) return null;
  let settings;
  try {
    settings = telemetrySettings({ ...t, log_user_prompt: false }, `${state.allowlist} [telemetry]`, telemetryEnv());
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
