// Glue: config + this process's environment -> the environment commands get.
import { loadManaged } from "../config/managed.js";
import type { ConfigFile } from "../config/schema.js";
import { providerSecrets } from "../model/providers.js";
import { commandEnvironment } from "./env-policy.js";

export function commandEnvFromConfig(
  cfg: ConfigFile,
  env: NodeJS.ProcessEnv = process.env,
  forcedExcludes: string[] = loadManaged().requirements.shell_environment_policy.exclude,
): Record<string, string> {
  const p = cfg.shell_environment_policy;
  return commandEnvironment(
    {
      inherit: p.inherit,
      ignoreDefaultExcludes: p.ignore_default_excludes,
      exclude: p.exclude,
      includeOnly: p.include_only,
      set: p.set,
    },
    env,
    { ...providerSecrets(cfg, env), forcedExcludes },
  );
}
