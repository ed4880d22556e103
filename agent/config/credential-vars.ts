// The credentials cordon itself uses besides the model providers' keys: MCP
// servers' bearer tokens and header variables and literal header values, and
// [otel] header variables and literal values. No sandboxed command is given
// them, under any policy (sandbox/command-env.ts), and telemetry redacts them
// (cli/agent-setup.ts). Pure.
import { exporterTarget, headerVariables } from "../../common/otel-config.js";
import type { ConfigFile } from "./schema.js";

type Sources = Pick<ConfigFile, "mcp_servers" | "otel">;

/** The environment variables holding them. */
export function credentialVars(cfg: Sources): string[] {
  const names = new Set<string>();
  for (const s of Object.values(cfg.mcp_servers)) {
    if (s.bearer_token_env_var) names.add(s.bearer_token_env_var);
    for (const v of Object.values(s.env_http_headers)) names.add(v);
  }
  const otel = cfg.otel ? exporterTarget(cfg.otel.exporter) : null;
  for (const v of otel ? headerVariables(otel.headers) : []) names.add(v);
  return [...names].sort();
}

/** Their values: the variables' (from `env`) and header values written literally in the config. */
export function credentialValues(cfg: Sources, env: NodeJS.ProcessEnv): string[] {
  const otel = cfg.otel ? exporterTarget(cfg.otel.exporter) : null;
  return [
    ...credentialVars(cfg)
      .map((n) => env[n])
      .filter((v): v is string => Boolean(v)),
    ...Object.values(cfg.mcp_servers).flatMap((m) => Object.values(m.http_headers)),
    // A `${VAR}` template is no secret; its value is among the variables' above.
    ...Object.values(otel?.headers ?? {}).filter((v) => !v.includes("${")),
  ];
}
