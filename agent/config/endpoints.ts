// The outside endpoints a config makes cordon itself connect to (the
// telemetry collector, HTTP MCP servers), for the firewall checks of
// `cordon doctor` and `cordon firewall status`. Pure.
import { exporterTarget } from "../../common/otel-config.js";
import type { ConfigFile } from "./schema.js";

export interface Endpoint {
  what: string;
  url: string;
}

export function configuredEndpoints(config: ConfigFile): Endpoint[] {
  const out: Endpoint[] = [];
  const otel = config.otel ? exporterTarget(config.otel.exporter) : null;
  if (otel) out.push({ what: "telemetry collector ([otel])", url: otel.endpoint });
  for (const [name, s] of Object.entries(config.mcp_servers))
    if (s.url && s.enabled) out.push({ what: `MCP server ${name}`, url: s.url });
  return out;
}
