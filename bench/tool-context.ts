// What the agent benchmarks share: a scratch git workspace with its own
// CORDON_HOME, and a tool context that runs calls in the workspace-write
// sandbox and never asks.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync } from "node:fs";
import { join } from "node:path";
import { policyFromEnvironment } from "../agent/sandbox/from-environment.js";
import type { AgentEvent } from "../agent/session/events.js";
import type { ToolContext } from "../agent/tools/orchestrator.js";
import { realRuntime } from "../agent/tools/runtime.js";

/** A fresh workspace under /var/tmp (bwrap needs a real filesystem); sets CORDON_HOME for this process. */
export function benchWorkspace(prefix: string): { base: string; ws: string } {
  const base = mkdtempSync(`/var/tmp/${prefix}`);
  const ws = join(base, "ws");
  mkdirSync(ws);
  spawnSync("git", ["init", "-q", ws]);
  process.env.CORDON_HOME = join(base, "home");
  return { base, ws };
}

export function benchToolContext(
  base: string,
  ws: string,
  emit: (e: AgentEvent) => void = () => undefined,
): ToolContext {
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin" };
  return {
    policy: policyFromEnvironment({ cwd: ws, sandboxMode: "workspace-write" }),
    approval: "on-request",
    home: base,
    env,
    sessionApprovals: new Set(),
    rules: [],
    runtime: realRuntime(join(base, "home"), env),
    emit,
    ask: () => Promise.reject(new Error("the benchmark never asks")),
  };
}

/** cordon's bwrap command line without the seccomp and info fds only cordon passes: the bare-bwrap peer with the same binds. */
export function withoutCordonFds(argv: string[]): string[] {
  const fdFlags = new Set(["--seccomp", "--info-fd"]);
  return argv.filter((_, i) => !fdFlags.has(argv[i] as string) && !fdFlags.has(argv[i - 1] as string));
}
