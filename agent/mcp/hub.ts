// The session's MCP servers: started together at the beginning (each within
// its startup_timeout_ms; one that fails is reported and left out), their
// tools offered as one catalog, calls run with the server's tool_timeout_ms,
// and a server that went away restarted at most once per turn.
import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import type { McpServer } from "../config/schema.js";
import { readState } from "../../firewall/bringup-state.js";
import { firewallBlocks } from "../../firewall/egress-check.js";
import { connect, serverLogFile, type Connection, type ConnectOptions, type Elicit } from "./connect.js";
import { resultForModel, type ToolResult } from "./result-text.js";
import { catalog, type McpTool } from "./tool-catalog.js";

export interface ServerStatus {
  name: string;
  transport: "stdio" | "http";
  state: "ready" | "failed" | "exited" | "disabled";
  /** Why it failed or exited; where it runs when ready. */
  detail: string;
  tools: McpTool[];
  /** The stdio server's stderr log. */
  log: string | null;
}

interface Slot {
  name: string;
  config: McpServer;
  conn: Connection | null;
  state: ServerStatus["state"];
  detail: string;
  restartedThisTurn: boolean;
}

export class McpHub {
  /** Every offered tool, by the name the model calls (set once, when the servers have started). */
  private offered: McpTool[] = [];
  private elicitHandler: Elicit = () => Promise.resolve({ action: "decline" });

  private constructor(
    private readonly slots: Slot[],
    private readonly options: Omit<ConnectOptions, "elicit">,
  ) {}

  get tools(): readonly McpTool[] {
    return this.offered;
  }

  /** Starts every enabled server at once; `warn` hears about each one that does not start. */
  static async start(
    servers: Record<string, McpServer>,
    options: Omit<ConnectOptions, "elicit">,
    warn: (line: string) => void,
  ): Promise<McpHub> {
    const slots: Slot[] = Object.entries(servers).map(([name, config]) => ({
      name,
      config,
      conn: null,
      state: config.enabled ? "failed" : "disabled",
      detail: config.enabled ? "not started" : "enabled = false",
      restartedThisTurn: false,
    }));
    const hub = new McpHub(slots, options);
    // An HTTP server the container's firewall does not allow: said first, so the failure that follows is explained.
    const state = slots.some((s) => s.config.url && s.config.enabled) ? readState() : null;
    for (const s of slots) {
      if (!s.config.url || !s.config.enabled) continue;
      const why = firewallBlocks(new URL(s.config.url).hostname, state, ".devcontainer/allowlist.toml");
      if (why) warn(`MCP server ${s.name}: ${why}`);
    }
    await Promise.all(slots.filter((s) => s.config.enabled).map((s) => hub.open(s)));
    for (const s of slots) if (s.state === "failed") warn(`${s.detail}; its tools are not offered`);
    const { tools, warnings } = catalog(
      slots.filter((s) => s.conn).map((s) => ({ server: s.name, config: s.config, tools: s.conn?.tools ?? [] })),
    );
    for (const w of warnings) warn(w);
    for (const s of slots)
      if (s.config.command && s.config.sandbox_mode === "none" && s.state === "ready")
        warn(`MCP server ${s.name} runs with no sandbox (sandbox_mode = "none"): it can do anything you can`);
    hub.offered = tools;
    return hub;
  }

  /** Elicitations go here (the front end's form, or a refusal). */
  setElicitationHandler(h: Elicit): void {
    this.elicitHandler = h;
  }

  /** A new turn: each server may be restarted once more. */
  beginTurn(): void {
    for (const s of this.slots) s.restartedThisTurn = false;
  }

  find(qualified: string): McpTool | undefined {
    return this.tools.find((t) => t.qualified === qualified);
  }

  /** Where a server's tools run, in words. */
  where(server: string): string {
    const s = this.slot(server);
    return s.conn?.where ?? s.detail;
  }

  status(): ServerStatus[] {
    return this.slots.map((s) => ({
      name: s.name,
      transport: s.config.command ? "stdio" : "http",
      state: s.state,
      detail: s.state === "ready" ? (s.conn?.where ?? "") : s.detail,
      tools: this.tools.filter((t) => t.server === s.name),
      log: s.config.command ? serverLogFile(this.options.cordonHome, s.name) : null,
    }));
  }

  /** Calls a tool; the JSON string the model sees. Failures are tool errors, never exceptions. */
  async call(t: McpTool, args: Record<string, unknown>, signal: AbortSignal): Promise<string> {
    const s = this.slot(t.server);
    if (!s.conn) {
      if (s.restartedThisTurn || s.state === "disabled")
        return toolError(`MCP server ${s.name} is not running (${s.detail}); it is restarted at most once per turn`);
      s.restartedThisTurn = true;
      await this.open(s);
      if (!s.conn) return toolError(`MCP server ${s.name} could not be restarted: ${s.detail}`);
    }
    const timeout = s.config.tool_timeout_ms;
    try {
      const r = (await s.conn.client.callTool({ name: t.tool, arguments: args }, undefined, {
        timeout,
        signal,
      })) as ToolResult;
      return resultForModel(r);
    } catch (e) {
      if (signal.aborted) return toolError("interrupted");
      if (e instanceof McpError && e.code === ErrorCode.RequestTimeout)
        return toolError(`MCP server ${s.name}: ${t.tool} did not answer within ${timeout} ms (tool_timeout_ms)`);
      if (!s.conn) return toolError(`MCP server ${s.name} went away during the call (${s.detail})`);
      return toolError(`MCP server ${s.name}: ${t.tool} failed: ${(e as Error).message}`);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.conn?.close()));
  }

  private slot(server: string): Slot {
    const s = this.slots.find((x) => x.name === server);
    if (!s) throw new Error(`no MCP server ${server}`);
    return s;
  }

  private async open(s: Slot): Promise<void> {
    try {
      const conn = await connect(s.name, s.config, { ...this.options, elicit: (r) => this.elicitHandler(r) });
      s.conn = conn;
      s.state = "ready";
      s.detail = "";
      conn.onExit((why) => {
        if (s.conn !== conn) return;
        s.conn = null;
        s.state = "exited";
        s.detail = `MCP server ${s.name} ${why}`;
      });
    } catch (e) {
      s.conn = null;
      s.state = "failed";
      s.detail = (e as Error).message;
    }
  }
}

function toolError(message: string): string {
  return JSON.stringify({ ok: false, error: message });
}
