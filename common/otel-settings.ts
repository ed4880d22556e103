// [otel] as the telemetry pipeline uses it: the exporter with `${VAR}` header
// values expanded (a missing variable is an error naming it and the header),
// and the values that must never leave in a record. Pure.
import { UserError } from "./user-error.js";
import { HEADER_VARIABLE, type OtelConfig } from "./otel-config.js";

export type Exporter =
  | { kind: "none" }
  | { kind: "otlp-http"; endpoint: string; protocol: "binary" | "json"; headers: Record<string, string> }
  | { kind: "otlp-grpc"; endpoint: string; headers: Record<string, string> };

export interface TelemetrySettings {
  environment: string;
  exporter: Exporter;
  logUserPrompt: boolean;
}

/** `${NAME}` in a header value, replaced from the environment. */
function expand(value: string, header: string, file: string, env: NodeJS.ProcessEnv): string {
  return value.replace(HEADER_VARIABLE, (_, name: string) => {
    const v = env[name];
    if (v === undefined || v === "")
      throw new UserError(
        `${file}: otel exporter header ${JSON.stringify(header)} uses \${${name}}, which is not set in the environment. Set it, or remove the header; nothing was sent.`,
      );
    return v;
  });
}

export function telemetrySettings(otel: OtelConfig, file: string, env: NodeJS.ProcessEnv): TelemetrySettings {
  const e = otel.exporter;
  const headers = (h: Record<string, string>) =>
    Object.fromEntries(Object.entries(h).map(([k, v]) => [k, expand(v, k, file, env)]));
  const exporter: Exporter =
    e === "none"
      ? { kind: "none" }
      : "otlp-http" in e
        ? {
            kind: "otlp-http",
            endpoint: e["otlp-http"].endpoint,
            protocol: e["otlp-http"].protocol,
            headers: headers(e["otlp-http"].headers),
          }
        : { kind: "otlp-grpc", endpoint: e["otlp-grpc"].endpoint, headers: headers(e["otlp-grpc"].headers) };
  return { environment: otel.environment, exporter, logUserPrompt: otel.log_user_prompt };
}

/** Header values are credentials: they are redacted wherever they would appear. */
export function headerSecrets(s: TelemetrySettings): string[] {
  return s.exporter.kind === "none" ? [] : Object.values(s.exporter.headers);
}
