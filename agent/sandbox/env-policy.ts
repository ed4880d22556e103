// Which environment variables a command sees (Codex's shell_environment_policy):
// start from all, the core set or nothing; drop names that look like secrets
// unless told not to; apply exclude, set and include_only; and, whatever the
// config says, never pass the model provider's key, its header values, or
// handles to agents outside the sandbox (ssh-agent, gpg-agent, D-Bus, Docker).
// Pure: the environment and the secrets are parameters.
import picomatch from "picomatch";

export interface EnvPolicy {
  inherit: "all" | "core" | "none";
  ignoreDefaultExcludes: boolean;
  exclude: string[];
  includeOnly: string[];
  set: Record<string, string>;
}

export const DEFAULT_ENV_POLICY: EnvPolicy = {
  inherit: "all",
  ignoreDefaultExcludes: false,
  exclude: [],
  includeOnly: [],
  set: {},
};

/** What `inherit = "core"` keeps. */
export const CORE_VARS = [
  "HOME",
  "LOGNAME",
  "PATH",
  "SHELL",
  "USER",
  "USERNAME",
  "TMPDIR",
  "TEMP",
  "TMP",
  "LANG",
  "LC_ALL",
  "LC_CTYPE",
  "TERM",
  "TZ",
];
export const DEFAULT_EXCLUDES = ["*KEY*", "*SECRET*", "*TOKEN*", "*PASSWORD*", "*PASSWD*", "*CREDENTIAL*"];
/** Handles to processes outside the sandbox, and cordon's own settings: never passed. */
export const NEVER_PASSED = [
  "SSH_AUTH_SOCK",
  "SSH_AGENT_PID",
  "GPG_AGENT_INFO",
  "DBUS_SESSION_BUS_ADDRESS",
  "DOCKER_HOST",
  "CONTAINER_HOST",
  "CORDON_HOME",
  "XDG_RUNTIME_DIR",
];

export interface Secrets {
  /** Variable names never passed (the provider's env_key). */
  names: string[];
  /** Values never passed under any name (the API key, every http_headers value). */
  values: string[];
  /** Name patterns an administrator removes whatever the user's policy (requirements.toml). */
  forcedExcludes?: string[];
}

const matcher = (patterns: string[]) =>
  patterns.length ? picomatch(patterns, { nocase: true, dot: true }) : () => false;

export function commandEnvironment(
  policy: EnvPolicy,
  env: Record<string, string | undefined>,
  secrets: Secrets,
): Record<string, string> {
  const out: Record<string, string> = {};
  const core = new Set(CORE_VARS);
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) continue;
    if (policy.inherit === "all" || (policy.inherit === "core" && core.has(k))) out[k] = v;
  }
  const drop = (isMatch: (k: string) => boolean) => {
    for (const k of Object.keys(out)) if (isMatch(k)) delete out[k];
  };
  if (!policy.ignoreDefaultExcludes) drop(matcher(DEFAULT_EXCLUDES));
  drop(matcher(policy.exclude));
  Object.assign(out, policy.set);
  if (policy.includeOnly.length) {
    const keep = matcher(policy.includeOnly);
    drop((k) => !keep(k));
  }
  drop(matcher(secrets.forcedExcludes ?? []));
  const never = new Set([...NEVER_PASSED, ...secrets.names]);
  // A secret's value anywhere in a variable (equal to it, or inside it) drops the variable.
  const values = [...new Set(secrets.values.filter((v) => v.length >= 4))];
  drop((k) => never.has(k) || values.some((v) => (out[k] as string).includes(v)));
  return out;
}
