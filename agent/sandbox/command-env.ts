// Glue: config + this process's environment -> the environment commands get:
// the user's policy, minus every credential cordon itself uses (model
// providers, MCP servers, the telemetry collector), by name and by value.
import { loadManaged } from "../config/managed.js";
import type { ConfigFile } from "../config/schema.js";
import { providerSecrets } from "../model/providers.js";
import { commandEnvironment } from "./env-policy.js";
import { credentialVars } from "../config/credential-vars.js";

/** [otel] header values as written (a `${VAR}` template is no secret; its value is covered by credentialVars). */
function otelHeaders(cfg: ConfigFile): Record<string, string> {
  const x = cfg.otel?.exporter;
  if (!x || x === "none") return {};
  const h = "otlp-http" in x ? x["otlp-http"].headers : x["otlp-grpc"].headers;
  return Object.fromEntries(Object.entries(h).filter(([, v]) => !v.includes("${")));
}

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
      values: [
        ...provider.values,
        ...credentials.map((n) => env[n]).filter((v): v is string => Boolean(v)),
        // Literal header values of MCP servers and [otel] are credentials too.
        ...Object.values(cfg.mcp_servers).flatMap((m) => Object.values(m.http_headers)),
        ...Object.values(otelHeaders(cfg)),
      ],
      forcedExcludes,
    },
  );
}
