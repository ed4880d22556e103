// Connects to one MCP server: a stdio server started inside its own sandbox
// (sandbox/run.ts startSandboxed), or a streamable HTTP server reached through
// undici with the model client's proxy handling. Returns the SDK client and
// the server's tools; the hub (hub.ts) keeps the connections.
import { appendFileSync, existsSync, mkdirSync, renameSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { ElicitRequestSchema, ErrorCode, McpError, type ElicitResult } from "@modelcontextprotocol/sdk/types.js";
import { fetch as undiciFetch } from "undici";
import { UserError } from "../../common/user-error.js";
import { isWithin } from "../../common/paths.js";
import type { ConfigFile, McpServer } from "../config/schema.js";
import { proxyAware } from "../model/client.js";
import { policyFromEnvironment } from "../sandbox/from-environment.js";
import type { SandboxPolicy } from "../sandbox/policy.js";
import { startSandboxed } from "../sandbox/run.js";
import { packageVersion } from "../version.js";
import { ChildProcessTransport } from "./child-transport.js";
import type { ListedTool } from "./tool-catalog.js";

export class McpStartError extends UserError {}

export interface ElicitationRequest {
  server: string;
  message: string;
  requestedSchema: { properties?: Record<string, unknown>; required?: string[] };
}
export type Elicit = (req: ElicitationRequest) => Promise<ElicitResult>;

export interface Connection {
  client: Client;
  tools: ListedTool[];
  /** Where it runs, in words: "read-only sandbox, no network", "no sandbox", "HTTP https://…". */
  where: string;
  /** Called once when the server goes away (exit, crash, closed stream). */
  onExit(cb: (why: string) => void): void;
  close(): Promise<void>;
}

export interface ConnectOptions {
  config: ConfigFile;
  /** The session's sandbox: a server's workspace-write roots, and what the agent can rewrite. */
  session: SandboxPolicy;
  cordonHome: string;
  env: NodeJS.ProcessEnv;
  elicit: Elicit;
}

/** What a stdio server inherits from cordon's environment besides env_vars: nothing secret. */
const BASE_ENV = ["HOME", "LOGNAME", "USER", "PATH", "SHELL", "LANG", "LC_ALL", "LC_CTYPE", "TERM", "TZ", "TMPDIR"];

export function serverLogFile(cordonHome: string, name: string): string {
  return join(cordonHome, "log", "mcp", `${name}.log`);
}

/** The environment a stdio server starts with. */
export function serverEnv(cfg: McpServer, env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of [...BASE_ENV, ...cfg.env_vars]) if (env[k] !== undefined) out[k] = env[k];
  return { ...out, ...cfg.env };
}

/** The sandbox a stdio server runs in: its own mode, the session's roots, no network unless it says so. */
export function serverPolicy(name: string, cfg: McpServer, o: ConnectOptions): SandboxPolicy {
  const cwd = cfg.cwd ? resolve(cfg.cwd) : o.session.cwd;
  if (cfg.sandbox_mode === "none") {
    // Unsandboxed, the server must not be something the sandboxed agent can rewrite.
    const roots = o.session.mode === "danger-full-access" ? [] : o.session.writableRoots;
    const inRoot = (p: string) => roots.find((r) => isWithin(p, r));
    const named = [cfg.command as string, ...cfg.args]
      .filter((a) => a.includes("/"))
      .map((a) => resolve(cwd, a))
      .filter((p) => existsSync(p));
    for (const p of [cwd, ...named]) {
      const root = inRoot(p);
      if (root)
        throw new McpStartError(
          `MCP server ${name}: sandbox_mode = "none" but ${p === cwd ? `its working directory ${cwd}` : p} is inside ${root}, which sandboxed commands can write: they could change what runs outside the sandbox. Install the server outside the writable roots and set cwd (e.g. cwd = "/"), or give it a sandbox_mode.`,
        );
    }
    return { ...o.session, cwd, mode: "danger-full-access", network: true };
  }
  const base = policyFromEnvironment({ cwd: o.session.cwd, sandboxMode: cfg.sandbox_mode }, o.config);
  return { ...base, cwd, network: cfg.network_access };
}

function describePolicy(p: SandboxPolicy): string {
  return p.mode === "danger-full-access"
    ? "no sandbox"
    : `${p.mode} sandbox, ${p.network ? "network on" : "no network"}`;
}

/** A server's stderr kept per run at most: a server that floods it cannot fill cordon's disk. */
export const MAX_LOG_BYTES_PER_RUN = 8 << 20;

/** Keeps the last run or two of a server's stderr: the file is rotated past 1 MiB, and one run writes at most 8 MiB. */
function openLog(file: string, name: string): (chunk: Buffer | string) => void {
  mkdirSync(join(file, ".."), { recursive: true, mode: 0o700 });
  try {
    if (statSync(file).size > 1 << 20) renameSync(file, `${file}.1`);
  } catch {
    // no log yet
  }
  let written = 0;
  const write = (c: Buffer | string) => {
    if (written > MAX_LOG_BYTES_PER_RUN) return;
    written += c.length;
    const over = written > MAX_LOG_BYTES_PER_RUN;
    try {
      appendFileSync(
        file,
        over
          ? `\n--- MCP server ${name}: more than ${MAX_LOG_BYTES_PER_RUN >> 20} MiB of stderr; the rest of this run is not kept\n`
          : c,
        {
          mode: 0o600,
        },
      );
    } catch {
      // a log that cannot be written does not stop the server
    }
  };
  write(`--- ${new Date().toISOString()} starting MCP server ${name}\n`);
  return write;
}

function headers(name: string, cfg: McpServer, env: NodeJS.ProcessEnv): Record<string, string> {
  const h: Record<string, string> = { ...cfg.http_headers };
  const need = (v: string, key: string) => {
    const value = env[v];
    if (value === undefined || value === "")
      throw new McpStartError(`MCP server ${name}: ${key} names ${v}, which is not set in the environment`);
    return value;
  };
  for (const [header, v] of Object.entries(cfg.env_http_headers))
    h[header] = need(v, `env_http_headers.${JSON.stringify(header)}`);
  if (cfg.bearer_token_env_var) h.authorization = `Bearer ${need(cfg.bearer_token_env_var, "bearer_token_env_var")}`;
  return h;
}

export async function connect(name: string, cfg: McpServer, o: ConnectOptions): Promise<Connection> {
  let transport: Transport;
  let where: string;
  let exitInfo = "";
  let log: (c: Buffer | string) => void = () => undefined;
  if (cfg.command) {
    const policy = serverPolicy(name, cfg, o);
    log = openLog(serverLogFile(o.cordonHome, name), name);
    const { child } = await startSandboxed(policy, [cfg.command, ...cfg.args], serverEnv(cfg, o.env));
    child.stderr?.on("data", (c: Buffer) => log(c));
    child.once("exit", (code, signal) => {
      exitInfo = signal ? `killed by ${signal}` : `exited with status ${code}`;
      log(`--- MCP server ${name} ${exitInfo}\n`);
    });
    transport = new ChildProcessTransport(child);
    where = describePolicy(policy);
  } else {
    const url = new URL(cfg.url as string);
    const h = headers(name, cfg, o.env);
    const dispatcher = proxyAware();
    transport = new StreamableHTTPClientTransport(url, {
      requestInit: { headers: h },
      // undici's fetch, so HTTP(S)_PROXY and NO_PROXY apply as they do to the model.
      fetch: ((u: string | URL, init?: RequestInit) =>
        undiciFetch(u, { ...(init as object), dispatcher } as never)) as never,
    });
    where = `HTTP ${url.origin}${url.pathname}`;
  }
  const client = new Client(
    { name: "cordon", version: packageVersion() },
    { capabilities: { elicitation: { form: {} } } },
  );
  client.setRequestHandler(ElicitRequestSchema, async (req) => {
    const p = req.params as { message: string; requestedSchema?: ElicitationRequest["requestedSchema"]; mode?: string };
    if (p.mode === "url") return { action: "decline" };
    return o.elicit({ server: name, message: p.message, requestedSchema: p.requestedSchema ?? {} });
  });
  const exits: ((why: string) => void)[] = [];
  let gone = false;
  client.onclose = () => {
    if (gone) return;
    gone = true;
    for (const cb of exits) cb(exitInfo || "the connection closed");
  };
  try {
    // The SDK's own request timeout bounds start-up (initialize, then the tool listing).
    await client.connect(transport, { timeout: cfg.startup_timeout_ms });
    const tools: ListedTool[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 50; page++) {
      const r = await client.listTools(cursor ? { cursor } : {}, { timeout: cfg.startup_timeout_ms });
      tools.push(...(r.tools as ListedTool[]));
      cursor = r.nextCursor;
      if (!cursor) break;
    }
    return {
      client,
      tools,
      where,
      onExit: (cb) => exits.push(cb),
      close: async () => {
        gone = true;
        await client.close().catch(() => undefined);
      },
    };
  } catch (e) {
    gone = true;
    await client.close().catch(() => undefined);
    const m = (e as Error).message;
    const logNote = cfg.command ? `; its stderr is in ${serverLogFile(o.cordonHome, name)}` : "";
    if (e instanceof McpError && e.code === ErrorCode.RequestTimeout)
      throw new McpStartError(
        `MCP server ${name}: start-up did not finish within ${cfg.startup_timeout_ms} ms (startup_timeout_ms)${logNote}`,
      );
    throw new McpStartError(
      m.startsWith(`MCP server ${name}`)
        ? `${m}${logNote}`
        : `MCP server ${name} did not start: ${exitInfo || m}${logNote}`,
    );
  }
}
