// Glue: config file + this process's environment -> a SandboxPolicy.
import { existsSync } from "node:fs";
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

/** In the container-as-boundary configuration the container is the sandbox. */
export function containerIsBoundary(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.CORDON_CONTAINER_MODE === "container-boundary";
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
