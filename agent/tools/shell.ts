// The shell tool: one command, in the sandbox (or, approved, outside it),
// with a working directory, a timeout and a cap on captured output.
import { existsSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import type { Denial } from "../sandbox/explain.js";
import type { SandboxPolicy } from "../sandbox/policy.js";
import { runSandboxed } from "../sandbox/run.js";

export const OUTPUT_CAP = 64 * 1024;
export const DEFAULT_TIMEOUT_MS = 120_000;
export const MAX_TIMEOUT_MS = 600_000;

export interface ShellArgs {
  command: string[];
  workdir?: string;
  timeout_ms?: number;
  with_escalated_permissions?: boolean;
  /** Extra permissions for this call only, inside the sandbox (request_permissions). */
  additional_permissions?: { network?: boolean; writable_paths?: string[] };
  justification?: string;
}

export interface ShellResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  output: string;
  truncated: boolean;
  denials: Denial[];
  sandboxed: boolean;
}

/** Keeps the first and last half of the cap: the start says what ran, the end how it ended. */
export function capOutput(chunks: Buffer[], total: number): { text: string; truncated: boolean } {
  const all = Buffer.concat(chunks);
  if (total <= OUTPUT_CAP) return { text: all.toString("utf8"), truncated: false };
  const half = OUTPUT_CAP / 2;
  return {
    text: `${all.subarray(0, half).toString("utf8")}\n[... ${total - OUTPUT_CAP} bytes cut ...]\n${all.subarray(all.length - half).toString("utf8")}`,
    truncated: true,
  };
}

export function parseShellArgs(json: string): ShellArgs {
  const a = JSON.parse(json) as Partial<ShellArgs>;
  if (!Array.isArray(a.command) || a.command.length === 0 || !a.command.every((x) => typeof x === "string")) {
    throw new Error('shell: `command` must be a non-empty array of strings (argv), e.g. ["bash", "-lc", "ls"]');
  }
  if (a.workdir !== undefined && typeof a.workdir !== "string") throw new Error("shell: `workdir` must be a string");
  if (a.timeout_ms !== undefined && (typeof a.timeout_ms !== "number" || a.timeout_ms <= 0))
    throw new Error("shell: `timeout_ms` must be a positive number");
  const extra = a.additional_permissions as unknown;
  if (extra !== undefined) {
    const e = extra as Record<string, unknown>;
    const ok =
      typeof extra === "object" &&
      extra !== null &&
      Object.keys(e).every((k) => k === "network" || k === "writable_paths") &&
      (e.network === undefined || typeof e.network === "boolean") &&
      (e.writable_paths === undefined ||
        (Array.isArray(e.writable_paths) && e.writable_paths.every((x) => typeof x === "string" && x.length > 0)));
    if (!ok)
      throw new Error(
        'shell: `additional_permissions` must be {"network": boolean, "writable_paths": [absolute or workdir-relative paths]}',
      );
  }
  return a as ShellArgs;
}

export function workdirOf(args: ShellArgs, cwd: string): string {
  return args.workdir ? (isAbsolute(args.workdir) ? args.workdir : resolve(cwd, args.workdir)) : cwd;
}

export async function runShell(
  args: ShellArgs,
  policy: SandboxPolicy,
  sandboxed: boolean,
  env: Record<string, string>,
  signal?: AbortSignal,
  onOutput?: (chunk: Buffer) => void,
): Promise<ShellResult> {
  const timeout = Math.min(args.timeout_ms ?? DEFAULT_TIMEOUT_MS, MAX_TIMEOUT_MS);
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), timeout);
  const onAbort = () => ac.abort();
  signal?.addEventListener("abort", onAbort, { once: true });
  const chunks: Buffer[] = [];
  let total = 0;
  const keep = (c: Buffer) => {
    onOutput?.(c);
    total += c.length;
    // Hold at most twice the cap: the head and a rolling tail.
    chunks.push(c);
    let held = chunks.reduce((s, x) => s + x.length, 0);
    while (held > 2 * OUTPUT_CAP && chunks.length > 2) held -= (chunks.splice(1, 1)[0] as Buffer).length;
  };
  if (!existsSync(policy.cwd)) {
    return {
      exitCode: 127,
      signal: null,
      timedOut: false,
      output: `shell: the working directory ${policy.cwd} does not exist\n`,
      truncated: false,
      denials: [],
      sandboxed,
    };
  }
  // The caller has set policy.cwd to the call's working directory.
  const runPolicy: SandboxPolicy = sandboxed ? policy : { ...policy, mode: "danger-full-access" };
  try {
    const r = await runSandboxed(runPolicy, args.command, {
      explain: true,
      stdio: "pipe",
      env,
      onStdout: keep,
      onStderr: keep,
      signal: ac.signal,
    });
    const out = capOutput(chunks, total);
    return {
      exitCode: r.exitCode,
      signal: r.signal,
      timedOut: false,
      output: out.text,
      truncated: out.truncated,
      denials: r.denials,
      sandboxed: r.sandboxed,
    };
  } catch (e) {
    const out = capOutput(chunks, total);
    if ((e as Error).name === "AbortError") {
      return {
        exitCode: null,
        signal: "SIGTERM",
        timedOut: !signal?.aborted,
        output: out.text,
        truncated: out.truncated,
        denials: [],
        sandboxed,
      };
    }
    const code = (e as NodeJS.ErrnoException).code;
    const msg = code === "ENOENT" ? `${args.command[0]}: command not found` : (e as Error).message;
    return {
      exitCode: 127,
      signal: null,
      timedOut: false,
      output: `${out.text}${msg}\n`,
      truncated: out.truncated,
      denials: [],
      sandboxed,
    };
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
  }
}
