// Policy + filesystem facts -> bubblewrap command line. Pure: the same inputs
// always give the same argv, and every rule is unit-tested on it.
import type { FsFacts } from "./fs-facts.js";
import type { SandboxPolicy } from "./policy.js";

export interface BwrapOptions {
  /** "proc": a fresh procfs for the new pid namespace. "bind": read-only bind of the outer /proc (fallback where a new procfs cannot be mounted). */
  proc: "proc" | "bind";
  /** FD number bwrap reads the seccomp program from, if any. */
  seccompFd?: number;
}

const depth = (p: string) => p.split("/").filter(Boolean).length;

export function buildBwrapArgs(policy: SandboxPolicy, facts: FsFacts, opts: BwrapOptions, command: string[]): string[] {
  if (command.length === 0) throw new Error("no command to run");
  const a: string[] = ["--new-session", "--die-with-parent", "--ro-bind", "/", "/", "--dev", "/dev"];
  // Writable roots, shallowest first so a deeper root's bind is not hidden by a shallower one.
  for (const root of [...facts.writableRoots].sort((x, y) => depth(x) - depth(y))) a.push("--bind", root, root);
  for (const p of facts.readOnly) a.push("--ro-bind", p, p);
  // Protected metadata: read-only even inside writable roots; missing names
  // become empty read-only directories, so they cannot be created.
  for (const p of facts.protectedExisting) a.push("--ro-bind", p, p);
  for (const p of facts.protectedMissing) a.push("--perms", "0555", "--tmpfs", p, "--remount-ro", p);
  // Deny-read: directories become empty, unlistable tmpfs; files read as empty.
  for (const d of facts.denyDirs) a.push("--perms", "0000", "--tmpfs", d, "--remount-ro", d);
  for (const f of facts.denyFiles) a.push("--ro-bind", "/dev/null", f);
  a.push("--unshare-user", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try");
  if (!policy.network) a.push("--unshare-net");
  if (opts.proc === "proc") a.push("--proc", "/proc");
  else a.push("--ro-bind", "/proc", "/proc");
  a.push("--chdir", policy.cwd);
  if (opts.seccompFd !== undefined) a.push("--seccomp", String(opts.seccompFd));
  a.push("--", ...command);
  return a;
}
