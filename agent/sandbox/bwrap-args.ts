// Policy + filesystem facts -> bubblewrap command line. Pure: the same inputs
// always give the same argv, and every rule is unit-tested on it.
import type { FsFacts } from "./fs-facts.js";
import type { SandboxPolicy } from "./policy.js";

export interface BwrapOptions {
  /** "proc": a fresh procfs for the new pid namespace. "bind": read-only bind of the outer /proc (fallback where a new procfs cannot be mounted). */
  proc: "proc" | "bind";
  /** FD number bwrap reads the seccomp program from, if any. */
  seccompFd?: number;
  /** FD bwrap writes its info JSON to (the sandbox's pid 1 as seen from outside), if any. */
  infoFd?: number;
  /** Running as root: drop every capability inside, so no mask can be unmounted even if another layer failed. */
  dropCaps?: boolean;
}

const depth = (p: string) => p.split("/").filter(Boolean).length;

export function buildBwrapArgs(policy: SandboxPolicy, facts: FsFacts, opts: BwrapOptions, command: string[]): string[] {
  if (command.length === 0) throw new Error("no command to run");
  const a: string[] = ["--new-session", "--die-with-parent", "--ro-bind", "/", "/", "--dev", "/dev"];
  // Writable roots and pinned directories (ancestors of masks, bound onto
  // themselves so they cannot be renamed), shallowest first so a deeper bind
  // is not hidden by a shallower one.
  const binds = [...new Set([...facts.writableRoots, ...facts.pinnedDirs])].sort((x, y) => depth(x) - depth(y));
  for (const dir of binds) a.push("--bind", dir, dir);
  for (const p of facts.readOnly) a.push("--ro-bind", p, p);
  // Protected metadata: read-only even inside writable roots; missing names
  // become empty read-only directories, so they cannot be created.
  for (const p of facts.protectedExisting) a.push("--ro-bind", p, p);
  for (const p of [...facts.protectedMissing, ...facts.protectedEmpty])
    a.push("--perms", "0555", "--tmpfs", p, "--remount-ro", p);
  // Deny-read: directories become empty, unlistable tmpfs; files read as empty.
  for (const d of facts.denyDirs) a.push("--perms", "0000", "--tmpfs", d, "--remount-ro", d);
  for (const f of facts.denyFiles) a.push("--ro-bind", "/dev/null", f);
  // cordon's home: neither readable nor writable, whatever the roots.
  for (const d of facts.privateDirs) a.push("--perms", "0000", "--tmpfs", d, "--remount-ro", d);
  // Sockets of processes outside: their own directories hidden, or /dev/null over them (connect() fails).
  for (const d of facts.sockets.dirs) a.push("--perms", "0000", "--tmpfs", d, "--remount-ro", d);
  for (const s of facts.sockets.files) a.push("--ro-bind", "/dev/null", s);
  a.push("--unshare-user", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try");
  if (opts.dropCaps) a.push("--cap-drop", "ALL");
  if (!policy.network) a.push("--unshare-net");
  if (opts.proc === "proc") a.push("--proc", "/proc");
  else a.push("--ro-bind", "/proc", "/proc");
  a.push("--chdir", policy.cwd);
  if (opts.seccompFd !== undefined) a.push("--seccomp", String(opts.seccompFd));
  if (opts.infoFd !== undefined) a.push("--info-fd", String(opts.infoFd));
  a.push("--", ...command);
  return a;
}
