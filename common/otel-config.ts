// The [otel] table's schema, shared by the agent's config.toml and the
// firewall's allowlist ([telemetry]). Pure.
import * as z from "zod";
import "./zod-config.js";

/**
 * `[otel]`: telemetry. Absent, nothing is loaded; `exporter = "none"` keeps the
 * instrumentation and sends nothing. Header values may use `${VAR}`.
 */
function buildOtelConfig() {
  const otelHeaders = z.record(z.string().min(1), z.string()).default({});
  return z.strictObject({
    /** deployment.environment of every record: dev, staging, prod, or any name. */
    environment: z.string().min(1).default("dev"),
    exporter: z
      .union(
        [
          z.literal("none"),
          z.strictObject({
            "otlp-http": z.strictObject({
              endpoint: z.url({ protocol: /^https?$/, message: "must be an http:// or https:// URL" }),
              protocol: z.enum(["binary", "json"]).default("binary"),
              headers: otelHeaders,
            }),
          }),
          z.strictObject({
            "otlp-grpc": z.strictObject({
              endpoint: z.url({ protocol: /^https?$/, message: "must be an http:// or https:// URL" }),
              headers: otelHeaders,
            }),
          }),
        ],
        {
          error:
            'expected "none", { otlp-http = { endpoint = "...", protocol = "binary" | "json", headers = {...} } } or { otlp-grpc = { endpoint = "...", headers = {...} } }',
        },
      )
      .default("none"),
    /** The prompt's text in user_prompt events; off: only its length. */
    log_user_prompt: z.boolean().default(false),
  });
}
let otelConfig: ReturnType<typeof buildOtelConfig> | undefined;
/** The schema, built on first use (zod's schemas cost milliseconds to build, and most runs read no [otel]). */
export const otelConfigSchema = () => (otelConfig ??= buildOtelConfig());
export type OtelConfig = z.output<ReturnType<typeof buildOtelConfig>>;

/** `${NAME}` in an exporter header value: taken from the environment when the exporter starts. */
export const HEADER_VARIABLE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** Where an exporter sends and with which headers; null for "none". */
export function exporterTarget(
  x: OtelConfig["exporter"],
): { endpoint: string; headers: Record<string, string> } | null {
  if (x === "none") return null;
  return "otlp-http" in x ? x["otlp-http"] : x["otlp-grpc"];
}

/** The environment variables header values name, in order of appearance, once each. */
export function headerVariables(headers: Record<string, string>): string[] {
  return [
    ...new Set(Object.values(headers).flatMap((v) => [...v.matchAll(HEADER_VARIABLE)].map((m) => m[1] as string))),
  ];
}
