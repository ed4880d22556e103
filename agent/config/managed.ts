// Admin-managed files, outside the agent user's reach: requirements.toml
// (what is allowed) and managed_config.toml (values that win over the user's
// config and flags), in /etc/cordon. CORDON_SYSTEM_DIR points elsewhere only
// when /etc/cordon does not exist (tests), so it can never hide an admin's
// policy. Effectful (reads files).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse, TomlError } from "smol-toml";
import { describeIssue } from "../../common/toml-errors.js";
import { ConfigError } from "./config-error.js";
import { Requirements } from "./requirements.js";
import { ConfigFile } from "./schema.js";

export const SYSTEM_DIR = "/etc/cordon";

export function systemDir(env: NodeJS.ProcessEnv = process.env): string {
  return existsSync(SYSTEM_DIR) || !env.CORDON_SYSTEM_DIR ? SYSTEM_DIR : env.CORDON_SYSTEM_DIR;
}

export interface Managed {
  dir: string;
  requirements: Requirements;
  requirementsFile: string | null;
  /** managed_config.toml as written (only the keys it sets), validated against the config schema. */
  config: Record<string, unknown>;
  configFile: string | null;
}

function readToml(file: string): Record<string, unknown> | null {
  let source: string;
  try {
    source = readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new ConfigError(file, [`cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`]);
  }
  try {
    return parse(source) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof TomlError) throw new ConfigError(file, [`line ${e.line}, column ${e.column}: TOML syntax error: ${e.message.split("\n")[0]}`]);
    throw new ConfigError(file, [(e as Error).message]);
  }
}

let cached: Managed | undefined;

export function loadManaged(dir = systemDir()): Managed {
  if (cached && cached.dir === dir) return cached;
  const reqFile = join(dir, "requirements.toml");
  const cfgFile = join(dir, "managed_config.toml");
  const rawReq = readToml(reqFile);
  const rawCfg = readToml(cfgFile);
  const r = Requirements.safeParse(rawReq ?? {});
  if (!r.success) throw new ConfigError(reqFile, r.error.issues.map((i) => describeIssue(readFileSync(reqFile, "utf8"), rawReq, i)));
  if (rawCfg) {
    const c = ConfigFile.safeParse(rawCfg);
    if (!c.success) throw new ConfigError(cfgFile, c.error.issues.map((i) => describeIssue(readFileSync(cfgFile, "utf8"), rawCfg, i)));
  }
  cached = { dir, requirements: r.data, requirementsFile: rawReq ? reqFile : null, config: rawCfg ?? {}, configFile: rawCfg ? cfgFile : null };
  return cached;
}
