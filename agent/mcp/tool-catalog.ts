// Which tools of which MCP server the model is offered, and under what name.
// Pure: the servers' tool listings and config come in, the catalog goes out.
import { createHash } from "node:crypto";
import type { McpServer } from "../config/schema.js";
import type { ToolSpec } from "../model/items.js";

/** A tool as a server listed it (the parts cordon uses). */
export interface ListedTool {
  name: string;
  description?: string | undefined;
  inputSchema: Record<string, unknown>;
  annotations?: { readOnlyHint?: boolean | undefined; destructiveHint?: boolean | undefined } | undefined;
}

export interface McpTool {
  server: string;
  tool: string;
  /** The name the model calls: SERVER__tool, made safe for every provider. */
  qualified: string;
  description: string;
  inputSchema: Record<string, unknown>;
  /** The server's claim that the tool changes nothing (readOnlyHint). */
  readOnly: boolean;
  /**
   * The server says the tool may destroy something (destructiveHint = true). MCP treats a
   * missing hint as destructive too; cordon asks before both, but only an explicit one is
   * never covered by an earlier "approve for this session".
   */
  destructive: boolean;
}

/** Providers accept tool names of 1-64 characters from [A-Za-z0-9_-]. */
const MAX_NAME = 64;

export function qualifiedName(server: string, tool: string): string {
  const plain = `${server}__${tool}`;
  const safe = plain.replace(/[^A-Za-z0-9_-]/g, "_");
  if (safe === plain && safe.length <= MAX_NAME) return safe;
  // Changed or too long: a short hash of the real name keeps two such names apart.
  const hash = createHash("sha256").update(plain).digest("hex").slice(0, 8);
  return `${safe.slice(0, MAX_NAME - 9)}_${hash}`;
}

/** enabled_tools (when given) is the list to offer; disabled_tools is taken out of it. */
export function toolOffered(cfg: Pick<McpServer, "enabled_tools" | "disabled_tools">, tool: string): boolean {
  if (cfg.enabled_tools && !cfg.enabled_tools.includes(tool)) return false;
  return !cfg.disabled_tools.includes(tool);
}

export function catalog(
  servers: { server: string; config: Pick<McpServer, "enabled_tools" | "disabled_tools">; tools: ListedTool[] }[],
): { tools: McpTool[]; warnings: string[] } {
  const tools: McpTool[] = [];
  const warnings: string[] = [];
  const taken = new Map<string, string>();
  for (const s of servers) {
    for (const t of s.tools) {
      if (!toolOffered(s.config, t.name)) continue;
      const qualified = qualifiedName(s.server, t.name);
      const other = taken.get(qualified);
      if (other) {
        warnings.push(
          `MCP server ${s.server}: tool ${JSON.stringify(t.name)} is not offered: its name ${qualified} is taken by ${other}`,
        );
        continue;
      }
      taken.set(qualified, `${s.server}/${t.name}`);
      const readOnly = t.annotations?.readOnlyHint === true;
      tools.push({
        server: s.server,
        tool: t.name,
        qualified,
        description: t.description ?? "",
        inputSchema: t.inputSchema,
        readOnly,
        destructive: !readOnly && t.annotations?.destructiveHint === true,
      });
    }
  }
  for (const s of servers)
    for (const want of s.config.enabled_tools ?? [])
      if (!s.tools.some((t) => t.name === want))
        warnings.push(
          `MCP server ${s.server}: enabled_tools names ${JSON.stringify(want)}, which the server does not offer`,
        );
  return { tools, warnings };
}

/** The tool as the model sees it. */
export function toolSpec(t: McpTool): ToolSpec {
  const hint = t.readOnly ? "read-only" : t.destructive ? "may change or delete things" : "changes things";
  return {
    name: t.qualified,
    description: `[MCP server ${t.server}, tool ${t.tool}; ${hint}] ${t.description}`.trim(),
    parameters: { type: "object", ...t.inputSchema },
  };
}
