// Glue: config + this process's environment -> the environment commands get:
// the user's policy, minus every credential cordon itself uses (model
// providers, MCP servers, the telemetry collector), by name and by value.
import { loadManaged } from "../config/managed.js";
import type { ConfigFile } from "../config/schema.js";
import { providerSecrets } from "../model/providers.js";
import { commandEnvironment } from "./env-policy.js";
import { credentialValues, credentialVars } from "../config/credential-vars.js";

export function commandEnvFromConfig(
  cfg: ConfigFile,
  env: NodeJS.ProcessEnv = process.env,
  forcedExcludes: string[] = loadManaged().requirements.shell_environment_policy.exclude,
): Record<string, string> {
  const p = cfg.shell_environment_policy;
  const provider = providerSecrets(cfg, env);
  const credentials = credentialVars(cfg);
  return commandEnvironment(
    {
      inherit: p.inherit,
      ignoreDefaultExcludes: p.ignore_default_excludes,
      exclude: p.exclude,
      includeOnly: p.include_only,
      set: p.set,
    },
    env,
    {
      names: [...provider.names, ...credentials],
      values: [...provider.values, ...credentialValues(cfg, env)],
      forcedExcludes,
    },
  );
}
