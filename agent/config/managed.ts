// Admin-managed files, outside the agent user's reach: requirements.toml
// (what is allowed) and managed_config.toml (values that win over the user's
// config and flags), in /etc/cordon. CORDON_SYSTEM_DIR points elsewhere only
// when /etc/cordon does not exist (tests), so it can never hide an admin's
// policy. Effectful (reads files).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseToml, validateToml } from "../../common/toml-file.js";
import { ConfigError } from "./config-error.js";
import { defaultRequirements, requirementsSchema } from "./requirements.js";
import type { Requirements } from "./requirements.js";
import { configSchemas } from "./schema.js";

export const SYSTEM_DIR = "/etc/cordon";

const configError = (file: string, problems: string[]) => new ConfigError(file, problems);

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
  return parseToml(source, file, configError);
}

let cached: Managed | undefined;

export function loadManaged(dir = systemDir()): Managed {
  if (cached && cached.dir === dir) return cached;
  const reqFile = join(dir, "requirements.toml");
  const cfgFile = join(dir, "managed_config.toml");
  const rawReq = readToml(reqFile);
  const rawCfg = readToml(cfgFile);
  // Without the file, its defaults: no schema is built (see configSchemas).
  const requirements = rawReq
    ? validateToml(requirementsSchema(), rawReq, readFileSync(reqFile, "utf8"), reqFile, configError)
    : defaultRequirements();
  if (rawCfg) validateToml(configSchemas().ConfigFile, rawCfg, readFileSync(cfgFile, "utf8"), cfgFile, configError);
  cached = {
    dir,
    requirements,
    requirementsFile: rawReq ? reqFile : null,
    config: rawCfg ?? {},
    configFile: rawCfg ? cfgFile : null,
  };
  return cached;
}
