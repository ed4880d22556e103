// The outside endpoints a config makes cordon itself connect to (the
// telemetry collector, HTTP MCP servers), for the firewall checks of
// `cordon doctor` and `cordon firewall status`. Pure.
import type { ConfigFile } from "./schema.js";

export interface Endpoint {
  what: string;
  url: string;
}

export function configuredEndpoints(config: ConfigFile): Endpoint[] {
  const out: Endpoint[] = [];
  const x = config.otel?.exporter;
  if (x && x !== "none") {
    const endpoint = "otlp-http" in x ? x["otlp-http"].endpoint : x["otlp-grpc"].endpoint;
    out.push({ what: "telemetry collector ([otel])", url: endpoint });
  }
  for (const [name, s] of Object.entries(config.mcp_servers))
    if (s.url && s.enabled) out.push({ what: `MCP server ${name}`, url: s.url });
  return out;
}
