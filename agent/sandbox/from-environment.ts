// Glue: config file + this process's environment -> a SandboxPolicy.
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { cordonHome, loadConfig } from "../config/load.js";
import type { ConfigFile, SandboxMode } from "../config/schema.js";
import { resolvePolicy, type SandboxPolicy } from "./policy.js";

export function inGitRepo(dir: string): boolean {
  for (let d = resolve(dir); ; d = dirname(d)) {
    if (existsSync(join(d, ".git"))) return true;
    if (d === "/") return false;
  }
}

/** Root-owned settings the Dev Container Feature wrote from its options at build time. */
export const FEATURE_SETTINGS = "/usr/local/share/cordon/feature.env";

/**
 * The container configuration: `nested-sandbox`, `container-boundary`, or null
 * outside cordon's containers. The environment says it in the shipped
 * configurations; the Feature's settings file where the Feature installed cordon.
 */
export function containerMode(env: NodeJS.ProcessEnv = process.env, settings = FEATURE_SETTINGS): string | null {
  if (env.CORDON_CONTAINER_MODE) return env.CORDON_CONTAINER_MODE;
  try {
    return /^CORDON_CONTAINER_MODE=(.+)$/m.exec(readFileSync(settings, "utf8"))?.[1] ?? null;
  } catch {
    return null;
  }
}

/** In the container-as-boundary configuration the container is the sandbox. */
export function containerIsBoundary(env: NodeJS.ProcessEnv = process.env): boolean {
  return containerMode(env) === "container-boundary";
}

export function policyFromEnvironment(
  cli: { cwd?: string; sandboxMode?: SandboxMode; permissionsProfile?: string; profile?: string },
  config?: ConfigFile,
): SandboxPolicy {
  const cfg = config ?? loadConfig();
  const cwd = resolve(cli.cwd ?? process.cwd());
  return resolvePolicy({
    config: cfg,
    cwd,
    home: homedir(),
    tmpdirEnv: process.env.TMPDIR,
    cordonHome: cordonHome(),
    inGitRepo: inGitRepo(cwd),
    ...(containerIsBoundary() ? { defaultMode: "danger-full-access" as const } : {}),
    cli: {
      ...(cli.sandboxMode ? { sandboxMode: cli.sandboxMode } : {}),
      ...(cli.permissionsProfile ? { permissionsProfile: cli.permissionsProfile } : {}),
      ...(cli.profile ? { profile: cli.profile } : {}),
    },
  });
}
