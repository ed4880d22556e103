// Reads $CORDON_HOME/config.toml (default ~/.cordon/config.toml). A syntax or
// schema error names the file, line, key and value; nothing runs on a bad
// config.
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { parse } from "smol-toml";
import type { z } from "zod";
import { parseToml, validateToml } from "../../common/toml-file.js";
import { describeIssue } from "../../common/toml-errors.js";
import { ConfigError } from "./config-error.js";
import { loadManaged } from "./managed.js";
import { configSchemas, type ConfigFile } from "./schema.js";
import { defaultConfig } from "./defaults.js";

export { ConfigError } from "./config-error.js";

export function cordonHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.CORDON_HOME ?? join(homedir(), ".cordon");
}

export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(cordonHome(env), "config.toml");
}

const configError = (file: string, problems: string[]) => new ConfigError(file, problems);

/** `-c key=value` overrides for this process, set once by the CLI before any command runs. */
let overrides: string[] = [];
export function setConfigOverrides(list: string[]): void {
  overrides = list;
}

/** Splits a dotted key, keeping quoted parts whole: permissions.p.filesystem."/ws/*.env". */
function splitKey(key: string): string[] {
  const parts = key.match(/"[^"]*"|[^.]+/g) ?? [];
  return parts.map((k) => k.trim().replace(/^"(.*)"$/, "$1"));
}

interface Override {
  flag: string;
  path: string[];
}

/**
 * Applies `-c dotted.key=value` to a parsed config: the value is read as TOML
 * (`true`, `3`, `"x"`, `["a"]`, `{ granular = { rules = false } }`), or taken
 * as a string when it is not TOML (`-c model=gpt-5`).
 */
export function applyOverrides(raw: Record<string, unknown>, list: string[]): Override[] {
  return list.map((flag) => {
    const eq = flag.indexOf("=");
    if (eq <= 0)
      throw new ConfigError("-c", [
        `-c ${flag}: expected key=value (e.g. -c sandbox_workspace_write.network_access=true)`,
      ]);
    const path = splitKey(flag.slice(0, eq).trim());
    if (path.some((k) => k === "")) throw new ConfigError("-c", [`-c ${flag}: the key has an empty part`]);
    const text = flag.slice(eq + 1).trim();
    let value: unknown;
    try {
      value = (parse(`v = ${text}`) as { v: unknown }).v;
    } catch {
      value = text;
    }
    let table = raw;
    for (const k of path.slice(0, -1)) {
      const next = table[k];
      if (next === undefined) table[k] = {};
      else if (typeof next !== "object" || next === null || Array.isArray(next))
        throw new ConfigError("-c", [`-c ${flag}: ${k} is a value, not a table`]);
      table = table[k] as Record<string, unknown>;
    }
    table[path[path.length - 1] as string] = value;
    return { flag, path };
  });
}

/** Copies `over` onto `base`, table by table: managed values win key by key, the rest of the user's table stays. */
function mergeInto(base: Record<string, unknown>, over: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(over)) {
    const cur = base[k];
    if (v && typeof v === "object" && !Array.isArray(v) && cur && typeof cur === "object" && !Array.isArray(cur))
      mergeInto(cur as Record<string, unknown>, v as Record<string, unknown>);
    else base[k] = structuredClone(v);
  }
}

export function parseConfig(
  source: string,
  file: string,
  extra: string[] = overrides,
  managed: Record<string, unknown> = {},
): ConfigFile {
  const raw = parseToml(source, file, configError);
  const applied = applyOverrides(raw, extra);
  mergeInto(raw, managed); // managed values win over the file and over -c
  // An issue under an overridden key is the flag's, not the file's.
  const byFlag = (path: PropertyKey[]) =>
    [...applied].reverse().find((o) => o.path.every((k, i) => path[i] === k) || path.every((k, i) => o.path[i] === k));
  const describe = (i: z.core.$ZodIssue) => {
    const o = i.code === "unrecognized_keys" ? i.keys.map((k) => byFlag([...i.path, k])).find(Boolean) : byFlag(i.path);
    return o ? `-c ${o.flag}: ${describeIssue("", raw, i).replace(/^line \d+: /, "")}` : describeIssue(source, raw, i);
  };
  const cfg = validateToml(
    configSchemas().ConfigFile,
    raw,
    source,
    applied.length ? `${file} (with -c overrides)` : file,
    configError,
    describe,
  );
  if (cfg.profile && !cfg.profiles[cfg.profile]) {
    throw new ConfigError(file, [`profile = "${cfg.profile}" names no [profiles.${cfg.profile}] table`]);
  }
  return cfg;
}

/** The config file, or defaults when it does not exist. */
export function loadConfig(file = configPath()): ConfigFile {
  let source: string;
  try {
    source = readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") {
      const managed = loadManaged().config;
      // Nothing to read or check: the schema's defaults, without building the schema.
      if (overrides.length === 0 && Object.keys(managed).length === 0) return defaultConfig();
      return parseConfig("", file, overrides, managed);
    }
    throw new ConfigError(file, [`cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`]);
  }
  return parseConfig(source, file, overrides, loadManaged().config);
}
