// Reads $CORDON_HOME/config.toml (default ~/.cordon/config.toml). A syntax or
// schema error names the file, line, key and value; nothing runs on a bad
// config.
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { parse, TomlError } from "smol-toml";
import { describeIssue } from "../../common/toml-errors.js";
import { ConfigFile } from "./schema.js";

export class ConfigError extends Error {
  constructor(readonly file: string, readonly problems: string[]) {
    super(`${file}: invalid configuration\n${problems.map((p) => `  - ${p}`).join("\n")}\nNothing was run. Fix the file and try again.`);
    this.name = "ConfigError";
  }
}

export function cordonHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.CORDON_HOME ?? join(homedir(), ".cordon");
}

export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(cordonHome(env), "config.toml");
}

export function parseConfig(source: string, file: string): ConfigFile {
  let raw: unknown;
  try {
    raw = parse(source);
  } catch (e) {
    if (e instanceof TomlError) throw new ConfigError(file, [`line ${e.line}, column ${e.column}: TOML syntax error: ${e.message.split("\n")[0]}`]);
    throw new ConfigError(file, [(e as Error).message]);
  }
  const r = ConfigFile.safeParse(raw);
  if (!r.success) throw new ConfigError(file, r.error.issues.map((i) => describeIssue(source, raw, i)));
  const cfg = r.data;
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
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return ConfigFile.parse({});
    throw new ConfigError(file, [`cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`]);
  }
  return parseConfig(source, file);
}
