// apply_patch, agent side: the policy is checked here first (for a clear
// refusal before anything starts, and for the approval prompt), then the
// patch is applied by cordon itself started inside the sandbox with the same
// policy as a shell command of the turn (patch-main.ts). In
// danger-full-access there is no sandbox to start, so it is applied here.
import type { SandboxPolicy } from "../sandbox/policy.js";
import { runSandboxed } from "../sandbox/run.js";
import { touchedPaths, type PatchOp } from "./patch-parse.js";
import { patchPathRefusal } from "./patch-policy.js";
import type { PatchRequest } from "./patch-main.js";
import { writePatch, type PatchResult } from "./patch-write.js";
import { selfEntry } from "./self-entry.js";

export type { PatchResult } from "./patch-write.js";

/** Why the policy refuses this patch, or null. The sandbox enforces the same again when it runs. */
export function checkPatch(ops: PatchOp[], policy: SandboxPolicy): string | null {
  for (const path of touchedPaths(ops)) {
    const why = patchPathRefusal(path, policy); // it resolves a relative path against policy.cwd itself
    if (why) return why;
  }
  return null;
}

export async function applyPatch(ops: PatchOp[], policy: SandboxPolicy, signal?: AbortSignal): Promise<PatchResult> {
  const refusal = checkPatch(ops, policy);
  if (refusal) return { ok: false, message: `patch refused, nothing written: ${refusal}`, files: [] };
  if (policy.mode === "danger-full-access") return writePatch(ops, policy.cwd, []);
  const req: PatchRequest = { cwd: policy.cwd, roots: policy.writableRoots, ops };
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let r;
  try {
    r = await runSandboxed(policy, [process.execPath, selfEntry(), "__apply-patch"], {
      explain: false,
      stdio: "pipe",
      input: JSON.stringify(req),
      env: { PATH: "/usr/bin:/bin", LANG: "C.UTF-8" },
      onStdout: (c) => out.push(c),
      onStderr: (c) => err.push(c),
      ...(signal ? { signal } : {}),
    });
  } catch (e) {
    // The sandbox could not start (or the deny-read scan failed closed): a tool error, not a crashed turn.
    return { ok: false, message: `patch not applied, nothing written: ${(e as Error).message}`, files: [] };
  }
  try {
    const res = JSON.parse(Buffer.concat(out).toString("utf8")) as PatchResult;
    if (typeof res.ok === "boolean" && typeof res.message === "string") return res;
  } catch {
    // reported below
  }
  const tail = Buffer.concat(err).toString("utf8").trim().split("\n").slice(-3).join(" | ");
  return {
    ok: false,
    message: `patch not applied: the sandboxed patch process failed (exit ${r.exitCode ?? r.signal})${tail ? `: ${tail}` : ""}`,
    files: [],
  };
}
