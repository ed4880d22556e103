// The servers' state as lines for people: `/mcp` in interactive mode.
import type { ServerStatus } from "../mcp/hub.js";
import { visible } from "./visible.js";

export function mcpStatusText(servers: ServerStatus[]): string {
  const out: string[] = [];
  for (const s of servers) {
    out.push(`${s.name} (${s.transport}): ${s.state}${s.detail ? ` — ${visible(s.detail)}` : ""}`);
    for (const t of s.tools)
      out.push(
        `  ${t.qualified}${t.readOnly ? " [read-only]" : t.destructive ? " [destructive]" : ""}${t.description ? `: ${visible(t.description.split("\n")[0] ?? "")}` : ""}`,
      );
    if (s.log) out.push(`  log: ${s.log}`);
  }
  return `${out.join("\n")}\n`;
}
