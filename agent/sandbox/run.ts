// Runs one command under the resolved policy: bwrap with the built argv and
// the seccomp program on an inherited fd; or, only in danger-full-access,
// directly. Never silently unsandboxed: when the policy needs bwrap and it
// cannot start, this throws with the reason and the fix.
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, rmdirSync } from "node:fs";
import type { Readable, Writable } from "node:stream";
import { UserError } from "../../common/user-error.js";
import { buildBwrapArgs } from "./bwrap-args.js";
import { explainDenials, type Denial } from "./explain.js";
import { gatherFacts, type FsFacts } from "./fs-facts.js";
import type { SandboxPolicy } from "./policy.js";
import { forgetLaunchProbe, probeForLaunch, type SandboxSupport } from "./probe.js";
import { cordonHome } from "../config/load.js";
import { buildFilter, encodeFilter } from "./seccomp-bpf.js";
import { isWithin } from "../../common/paths.js";

/** The sandbox cannot start here: exit 2, distinct from any status of the command itself. */
export class SandboxUnavailableError extends UserError {}

export interface RunOptions {
  /** Capture stderr (while still passing it through) to explain denials. */
  explain: boolean;
  /** Where stdio goes; "inherit" for the CLI, "pipe" for the agent's tools. */
  stdio?: "inherit" | "pipe";
  env?: NodeJS.ProcessEnv;
  /** Written to the command's stdin (with stdio "pipe"), then closed. */
  input?: string;
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
  signal?: AbortSignal;
}

export interface RunResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  denials: Denial[];
  sandboxed: boolean;
  argv: string[];
  /** bwrap's pid 1 as seen from outside (ended by the time the result is returned), when sandboxed. */
  sandboxPid?: number;
  /** Whether stderr showed bwrap failing to set the sandbox up; null when stderr was not captured. */
  setupFailed: boolean | null;
}

/** The fd bwrap reads the seccomp program from: a pipe from this process, never a file. */
export const SECCOMP_FD = 3;
/** The fd bwrap reports the sandbox's pid 1 on, so cordon can wait until it is gone. */
export const INFO_FD = 4;

/** The prepared bwrap invocation (exported for the benchmark and tests). */
export async function prepareBwrap(
  policy: SandboxPolicy,
  command: string[],
): Promise<{
  argv: string[];
  facts: FsFacts;
  seccomp: Buffer;
  bwrap: string;
  probed: SandboxSupport & { fromCache?: boolean };
}> {
  const support = await probeForLaunch(cordonHome());
  if (!support.bwrapPath || !support.userNamespaces) {
    throw new SandboxUnavailableError(
      `cannot start the ${policy.mode} sandbox: ${support.problem ?? "bubblewrap is unavailable"}\n` +
        `Commands are not run unsandboxed. Fix the above, or, where the container itself is the boundary, set sandbox_mode = "danger-full-access".`,
    );
  }
  await placeholdersRemoved();
  const facts = gatherFacts(policy);
  const dropCaps = process.getuid?.() === 0;
  const argv = buildBwrapArgs(
    policy,
    facts,
    { proc: support.procMount ? "proc" : "bind", seccompFd: SECCOMP_FD, infoFd: INFO_FD, dropCaps },
    command,
  );
  return { argv, facts, seccomp: seccompProgram(policy.network), bwrap: support.bwrapPath, probed: support };
}

/**
 * A launch that trusted a cached probe ended with status 1, which is also
 * bwrap's own set-up failure: look again (only now), and when the sandbox
 * cannot start any more, say so with the fix instead of passing the 1 on.
 * `setup` is what stderr showed, when it was captured (null: not seen).
 */
async function recheckAfterFailure(setup: boolean | null, was: SandboxSupport): Promise<void> {
  if (setup === false) return;
  forgetLaunchProbe(cordonHome());
  const now = await probeForLaunch(cordonHome());
  if (!now.userNamespaces || now.problem)
    throw new SandboxUnavailableError(
      `the sandbox can no longer start here: ${now.problem ?? "bubblewrap is unavailable"}\nThe command did not run.`,
    );
  if (now.procMount !== was.procMount && setup)
    throw new SandboxUnavailableError(
      "the sandbox's set-up changed since it was last checked (a fresh /proc is no longer possible here); the command did not run. Run it again.",
    );
}

// The seccomp program depends only on the architecture and the network flag:
// built once per process, kept in memory and written into a pipe per launch,
// so no file a sandboxed command could rewrite ever feeds bwrap.
const programs = new Map<boolean, Buffer>();
function seccompProgram(network: boolean): Buffer {
  let p = programs.get(network);
  if (!p) {
    p = encodeFilter(buildFilter({ arch: process.arch, network }));
    programs.set(network, p);
  }
  return p;
}

export async function runSandboxed(policy: SandboxPolicy, command: string[], o: RunOptions): Promise<RunResult> {
  if (policy.mode === "danger-full-access")
    return spawnAndWait(command[0] as string, command.slice(1), o, null, null, policy);
  const { argv, facts, seccomp, bwrap, probed } = await prepareBwrap(policy, command);
  live++;
  try {
    const r = await spawnAndWait(bwrap, argv, o, seccomp, facts, policy);
    if (probed.fromCache && r.exitCode === 1) await recheckAfterFailure(r.setupFailed, probed);
    return r;
  } finally {
    removePlaceholders(facts);
  }
}

/** Sandboxes of this process that are running now. */
let live = 0;
/** The last launch's placeholder removal, still under way or done. */
let removing: Promise<void> = Promise.resolve();

/**
 * Resolves once the placeholders of every finished sandbox are removed. Each launch waits for
 * it before it looks at the workspace, so no removal overlaps a launch. A process that ends
 * on its own removes them first; one that ends itself (a signal, process.exit) awaits this.
 */
export function placeholdersRemoved(): Promise<void> {
  return removing;
}

/**
 * bwrap had to create mount points for missing protected names; remove them from the
 * workspace if still empty (gatherFacts listed them because they did not exist). In shared
 * roots (/tmp) they stay: removing one could unmount it in a concurrent sandbox. The removal
 * runs in the event loop's next turn, after the result is handed back (a few rmdirs, about
 * 0.8 ms, off the tool call's path).
 */
function removePlaceholders(facts: FsFacts): void {
  live--;
  if (live > 0) return;
  const { workspace } = facts;
  const mine = facts.protectedMissing.filter((x) => workspace && isWithin(x, workspace));
  if (mine.length === 0) return;
  removing = new Promise((done) =>
    setImmediate(() => {
      // Another sandbox of this process (a long-lived MCP server) may have the same placeholder
      // as a mount point. The kernels tested refuse to remove it (EBUSY), but one that detached
      // the mount in the other namespace would open a gap there: only the last one out cleans.
      // Checked here, in the same turn as the rmdirs: a launch between goes live without a
      // turn of the loop between its facts and its spawn.
      if (live === 0) {
        for (const p of mine) {
          try {
            rmdirSync(p); // fails on a non-empty directory: then it is not a placeholder
          } catch {
            // gone, or not ours to remove
          }
        }
      }
      done();
    }),
  );
}

/** A started process and how to clean up after it; the sandbox's fds are already fed. */
interface Launched {
  child: ChildProcess;
  /** The sandbox's pid 1 once bwrap reported it (empty string until then). */
  info(): string;
}

function launch(
  file: string,
  args: string[],
  stdio: ("inherit" | "pipe")[],
  env: NodeJS.ProcessEnv,
  seccomp: Buffer | null,
  cwd: string,
  signal?: AbortSignal,
): Launched {
  const all: ("inherit" | "pipe")[] = [...stdio];
  if (seccomp !== null) all.push("pipe", "pipe");
  // Unsandboxed runs start in the policy's directory (the one the prompt showed); bwrap gets --chdir.
  const child = spawn(file, args, { stdio: all, env, cwd, ...(signal ? { signal } : {}) });
  let info = "";
  if (seccomp !== null) {
    const w = child.stdio[SECCOMP_FD] as Writable;
    w.on("error", () => undefined); // bwrap failed before reading it: its exit status says why
    w.end(seccomp);
    (child.stdio[INFO_FD] as Readable).on("data", (c: Buffer) => (info += c.toString("utf8")));
  }
  return { child, info: () => info };
}

/** The sandbox's pid 1 from bwrap's --info-fd report, or 0. */
function childPid(info: string): number {
  return Number(/"child-pid":\s*(\d+)/.exec(info)?.[1]) || 0;
}

/**
 * Starts a long-lived process (an MCP server) under the policy with stdin,
 * stdout and stderr as pipes; the caller talks to it and ends it. Like
 * runSandboxed, never unsandboxed unless the policy is danger-full-access.
 */
export async function startSandboxed(
  policy: SandboxPolicy,
  command: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ child: ChildProcess; sandboxed: boolean; argv: string[] }> {
  if (policy.mode === "danger-full-access") {
    const { child } = launch(command[0] as string, command.slice(1), ["pipe", "pipe", "pipe"], env, null, policy.cwd);
    return { child, sandboxed: false, argv: command };
  }
  const { argv, seccomp, bwrap, facts } = await prepareBwrap(policy, command);
  live++;
  const { child } = launch(bwrap, argv, ["pipe", "pipe", "pipe"], env, seccomp, policy.cwd);
  child.once("close", () => removePlaceholders(facts));
  return { child, sandboxed: true, argv: [bwrap, ...argv] };
}

function spawnAndWait(
  file: string,
  args: string[],
  o: RunOptions,
  seccomp: Buffer | null,
  facts: FsFacts | null,
  policy: SandboxPolicy,
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const pipeErr = o.explain || o.stdio === "pipe";
    const stdio: ("inherit" | "pipe")[] = [
      o.stdio === "pipe" ? "pipe" : "inherit",
      o.stdio === "pipe" ? "pipe" : "inherit",
      pipeErr ? "pipe" : "inherit",
    ];
    const { child, info } = launch(file, args, stdio, o.env ?? process.env, seccomp, policy.cwd, o.signal);
    let errText = "";
    child.stdout?.on("data", (c: Buffer) => o.onStdout?.(c));
    child.stderr?.on("data", (c: Buffer) => {
      if (errText.length < 1_000_000) errText += c.toString("utf8");
      if (o.onStderr) o.onStderr(c);
      else process.stderr.write(c);
    });
    if (o.stdio === "pipe") {
      child.stdin?.on("error", () => undefined); // the command may exit without reading it
      child.stdin?.end(o.input ?? "");
    }
    child.on("error", reject);
    child.on("close", (code, signal) => {
      const denials = code !== 0 && facts && o.explain ? explainDenials(errText, policy, facts) : [];
      const result = {
        exitCode: code,
        signal,
        denials,
        sandboxed: seccomp !== null,
        argv: [file, ...args],
        setupFailed: pipeErr ? code === 1 && /^bwrap: /m.test(errText) : null,
      };
      // bwrap's own pid 1 can outlive the outer bwrap for a moment; return once it is gone.
      const pid = childPid(info());
      if (pid > 0) void waitGone(pid).then(() => resolve({ ...result, sandboxPid: pid }));
      else resolve(result);
    });
  });
}

/**
 * Waits (at most 2 s) until a process has ended: gone, or a zombie. bwrap's
 * monitor exits as soon as it has the command's status, and its pid 1 then
 * ends on its own and is reaped by the container's init (`init: true` in
 * both configurations); cordon cannot reap it, not being its parent.
 */
async function waitGone(pid: number): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      return;
    }
    if (/^\d+ \(.*\) [ZX] /.test(stat)) return;
    // It usually ends within microseconds: look again at once a few times before sleeping.
    await new Promise((r) => (i < 50 ? setImmediate(r) : setTimeout(r, 1)));
  }
}
