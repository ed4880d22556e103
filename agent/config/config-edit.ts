// Adds or removes one [mcp_servers.NAME] table in config.toml as text, so the
// rest of the file (comments, order, other tables) stays as the user wrote
// it. The edited text is validated as a whole before it replaces the file
// (written beside it and renamed): a bad edit changes nothing.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { stringify } from "smol-toml";
import { UserError } from "../../common/user-error.js";
import { ConfigError } from "./config-error.js";
import { parseConfig } from "./load.js";

function readOr(file: string): string {
  return existsSync(file) ? readFileSync(file, "utf8") : "";
}

function replaceFile(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  renameSync(tmp, file);
}

/** The config text with a new server table appended; throws when the name is taken or the result is invalid. */
export function withServerAdded(source: string, file: string, name: string, server: Record<string, unknown>): string {
  const before = parseConfig(source, file, []);
  if (before.mcp_servers[name])
    throw new UserError(
      `${file}: mcp_servers.${name} already exists; nothing changed (cordon mcp remove ${name} first)`,
    );
  const table = stringify({ mcp_servers: { [name]: server } });
  const text = `${source}${source && !source.endsWith("\n") ? "\n" : ""}\n${table}\n`;
  parseConfig(text, file, []); // the same checks as on start-up, before anything is written
  return text;
}

/** Header lines `[mcp_servers.NAME]` and `[mcp_servers.NAME.sub]`, quoted or not. */
function headerOf(line: string, name: string): boolean {
  const m = /^\s*\[\s*mcp_servers\s*\.\s*("([^"]*)"|'([^']*)'|[A-Za-z0-9_-]+)\s*(\.|\])/.exec(line);
  if (!m) return false;
  const key = m[2] ?? m[3] ?? m[1];
  return key === name;
}

/** The config text without the server's tables; throws when it is not there or defined in another form. */
export function withServerRemoved(source: string, file: string, name: string): string {
  const before = parseConfig(source, file, []);
  if (!before.mcp_servers[name]) throw new UserError(`${file}: no MCP server ${name} here; nothing changed`);
  const kept: string[] = [];
  let dropping = false;
  for (const line of source.split("\n")) {
    if (/^\s*\[/.test(line)) dropping = headerOf(line, name);
    if (!dropping) kept.push(line);
  }
  const text = kept.join("\n");
  const after = parseConfig(text, file, []);
  if (after.mcp_servers[name])
    throw new ConfigError(file, [
      `mcp_servers.${name} is written in a form cordon does not edit (an inline table); remove it by hand`,
    ]);
  return text;
}

export function addServer(file: string, name: string, server: Record<string, unknown>): void {
  replaceFile(file, withServerAdded(readOr(file), file, name, server));
}

export function removeServer(file: string, name: string): void {
  replaceFile(file, withServerRemoved(readOr(file), file, name));
}
