// Runs one command under the resolved policy: bwrap with the built argv and
// the seccomp program on an inherited fd; or, only in danger-full-access,
// directly. Never silently unsandboxed: when the policy needs bwrap and it
// cannot start, this throws with the reason and the fix.
import { spawn } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readdirSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildBwrapArgs } from "./bwrap-args.js";
import { explainDenials, type Denial } from "./explain.js";
import { gatherFacts, type FsFacts } from "./fs-facts.js";
import type { SandboxPolicy } from "./policy.js";
import { probeSandbox } from "./probe.js";
import { buildFilter, encodeFilter } from "./seccomp-bpf.js";

export class SandboxUnavailableError extends Error {}

export interface RunOptions {
  /** Capture stderr (while still passing it through) to explain denials. */
  explain: boolean;
  /** Where stdio goes; "inherit" for the CLI, "pipe" for the agent's tools. */
  stdio?: "inherit" | "pipe";
  env?: NodeJS.ProcessEnv;
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
}

/** The prepared bwrap invocation (exported for the benchmark and tests). */
export async function prepare(policy: SandboxPolicy, command: string[]): Promise<{ argv: string[]; facts: FsFacts; seccompPath: string; bwrap: string }> {
  const support = await probeSandbox();
  if (!support.bwrapPath || !support.userNamespaces) {
    throw new SandboxUnavailableError(
      `cannot start the ${policy.mode} sandbox: ${support.problem ?? "bubblewrap is unavailable"}\n` +
        `Commands are not run unsandboxed. Fix the above, or, where the container itself is the boundary, set sandbox_mode = "danger-full-access".`,
    );
  }
  const facts = gatherFacts(policy);
  const seccompPath = seccompFile(policy.network);
  const argv = buildBwrapArgs(policy, facts, { proc: support.procMount ? "proc" : "bind", seccompFd: 3 }, command);
  return { argv, facts, seccompPath, bwrap: support.bwrapPath };
}

// The seccomp program depends only on the architecture and the network flag:
// write each variant once per process into a private directory, open a fresh
// fd per launch (bwrap reads from the fd's current offset).
const seccompFiles = new Map<boolean, string>();
let seccompDir: string | undefined;
function seccompFile(network: boolean): string {
  const known = seccompFiles.get(network);
  if (known) return known;
  if (!seccompDir) {
    const dir = mkdtempSync(join(tmpdir(), "cordon-seccomp-"));
    seccompDir = dir;
    process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  }
  const file = join(seccompDir, network ? "net.bpf" : "nonet.bpf");
  writeFileSync(file, encodeFilter(buildFilter({ arch: process.arch, network })), { mode: 0o600 });
  seccompFiles.set(network, file);
  return file;
}

export async function runSandboxed(policy: SandboxPolicy, command: string[], o: RunOptions): Promise<RunResult> {
  if (policy.mode === "danger-full-access") return spawnAndWait(command[0] as string, command.slice(1), o, null, null, policy);
  const { argv, facts, seccompPath, bwrap } = await prepare(policy, command);
  const fd = openSync(seccompPath, "r");
  try {
    return await spawnAndWait(bwrap, argv, o, fd, facts, policy);
  } finally {
    closeSync(fd);
    // bwrap had to create mount points for missing protected names; remove them if still empty.
    // gatherFacts listed them because they did not exist.
    for (const p of facts.protectedMissing) {
      try {
        if (readdirSync(p).length === 0) rmdirSync(p);
      } catch {
        // gone or not ours to remove
      }
    }
  }
}

function spawnAndWait(file: string, args: string[], o: RunOptions, seccompFd: number | null, facts: FsFacts | null, policy: SandboxPolicy): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const pipeErr = o.explain || o.stdio === "pipe";
    const stdio: (number | "inherit" | "pipe")[] = [o.stdio === "pipe" ? "pipe" : "inherit", o.stdio === "pipe" ? "pipe" : "inherit", pipeErr ? "pipe" : "inherit"];
    if (seccompFd !== null) stdio.push(seccompFd);
    const child = spawn(file, args, { stdio, env: o.env ?? process.env, signal: o.signal });
    let errText = "";
    child.stdout?.on("data", (c: Buffer) => o.onStdout?.(c));
    child.stderr?.on("data", (c: Buffer) => {
      if (errText.length < 1_000_000) errText += c.toString("utf8");
      if (o.onStderr) o.onStderr(c);
      else process.stderr.write(c);
    });
    if (o.stdio === "pipe") child.stdin?.end();
    child.on("error", reject);
    child.on("close", (code, signal) => {
      const denials = code !== 0 && facts && o.explain ? explainDenials(errText, policy, facts) : [];
      resolve({ exitCode: code, signal, denials, sandboxed: seccompFd !== null, argv: [file, ...args] });
    });
  });
}
