// `cordon mcp list|get|add|remove`: the [mcp_servers] of config.toml, read
// and edited without starting anything. Errors are UserErrors (exit 2).
import { UserError } from "../../common/user-error.js";
import { addServer, removeServer } from "../config/config-edit.js";
import { configPath, loadConfig } from "../config/load.js";
import type { McpServer } from "../config/schema.js";

function summary(name: string, s: McpServer): string {
  const what = s.command
    ? `stdio: ${[s.command, ...s.args].map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(" ")}; ${s.sandbox_mode === "none" ? "no sandbox" : `${s.sandbox_mode} sandbox${s.network_access ? " with network" : ", no network"}`}`
    : `http: ${s.url}`;
  return `${name}${s.enabled ? "" : " (disabled)"}  ${what}`;
}

export function mcpListAction(o: { json?: boolean }): void {
  const servers = loadConfig().mcp_servers;
  if (o.json) {
    process.stdout.write(`${JSON.stringify(servers, null, 2)}\n`);
    return;
  }
  const names = Object.keys(servers).sort();
  if (!names.length) {
    process.stdout.write(
      `no MCP servers in ${configPath()}; add one with \`cordon mcp add NAME -- COMMAND ARGS...\`\n`,
    );
    return;
  }
  for (const n of names) process.stdout.write(`${summary(n, servers[n] as McpServer)}\n`);
}

export function mcpGetAction(name: string, o: { json?: boolean }): void {
  const s = loadConfig().mcp_servers[name];
  if (!s) throw new UserError(`no MCP server ${name} in ${configPath()} (cordon mcp list shows them)`);
  process.stdout.write(o.json ? `${JSON.stringify(s, null, 2)}\n` : `${summary(name, s)}\n`);
}

export interface AddOptions {
  url?: string;
  env: string[];
  envVar: string[];
  sandbox?: string;
  network?: boolean;
  cwd?: string;
  bearerTokenEnvVar?: string;
}

/** The table `add` writes: only what was given, so defaults stay defaults. */
export function serverTable(command: string[], o: AddOptions): Record<string, unknown> {
  if (!o.url === !command.length)
    throw new UserError(
      "cordon mcp add: give either a command (after --) for a stdio server, or --url for an HTTP one",
    );
  const env: Record<string, string> = {};
  for (const kv of o.env) {
    const eq = kv.indexOf("=");
    if (eq <= 0) throw new UserError(`cordon mcp add: --env ${kv}: expected NAME=VALUE`);
    env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  if (o.url) return { url: o.url, ...(o.bearerTokenEnvVar ? { bearer_token_env_var: o.bearerTokenEnvVar } : {}) };
  return {
    command: command[0],
    ...(command.length > 1 ? { args: command.slice(1) } : {}),
    ...(Object.keys(env).length ? { env } : {}),
    ...(o.envVar.length ? { env_vars: o.envVar } : {}),
    ...(o.cwd ? { cwd: o.cwd } : {}),
    ...(o.sandbox ? { sandbox_mode: o.sandbox } : {}),
    ...(o.network ? { network_access: true } : {}),
  };
}

export function mcpAddAction(name: string, command: string[], o: AddOptions): void {
  const file = configPath();
  addServer(file, name, serverTable(command, o));
  const s = loadConfig().mcp_servers[name] as McpServer;
  process.stdout.write(`added to ${file}:\n  ${summary(name, s)}\nIt starts with the next session; /mcp shows it.\n`);
  if (s.command && s.sandbox_mode === "none")
    process.stderr.write(`warning: ${name} will run with no sandbox: it can do anything you can\n`);
}

export function mcpRemoveAction(name: string): void {
  const file = configPath();
  removeServer(file, name);
  process.stdout.write(`removed mcp_servers.${name} from ${file}\n`);
}
