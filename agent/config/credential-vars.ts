// The environment variables cordon itself reads credentials from besides the
// model providers' keys: MCP servers' bearer tokens and header variables, and
// the `${VAR}`s of [otel] headers. No sandboxed command is given them, under
// any policy (sandbox/command-env.ts). Pure.
import type { ConfigFile } from "./schema.js";

const VAR_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

export function credentialVars(cfg: Pick<ConfigFile, "mcp_servers" | "otel">): string[] {
  const names = new Set<string>();
  for (const s of Object.values(cfg.mcp_servers)) {
    if (s.bearer_token_env_var) names.add(s.bearer_token_env_var);
    for (const v of Object.values(s.env_http_headers)) names.add(v);
  }
  const x = cfg.otel?.exporter;
  if (x && x !== "none") {
    const headers = "otlp-http" in x ? x["otlp-http"].headers : x["otlp-grpc"].headers;
    for (const v of Object.values(headers)) for (const m of v.matchAll(VAR_REF)) names.add(m[1] as string);
  }
  return [...names].sort();
}
