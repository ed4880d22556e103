// apply_patch, for real: check every path (including symlinks that
// would lead out), compute every new file in memory, and only then write.
// A refused or non-matching patch writes nothing.
import { existsSync, mkdirSync, readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import type { SandboxPolicy } from "../sandbox/policy.js";
import { applyHunks, PatchError, touchedPaths, type PatchOp } from "./patch-parse.js";
import { patchPathRefusal } from "./patch-policy.js";

export interface PatchResult {
  ok: boolean;
  /** Human summary: files changed, or why nothing was. */
  message: string;
  files: string[];
}

/** The nearest existing ancestor's real path, so a symlinked directory cannot carry a write elsewhere. */
function realTarget(abs: string): string {
  let p = abs;
  const rest: string[] = [];
  while (!existsSync(p) && dirname(p) !== p) {
    rest.unshift(p.slice(dirname(p).length + 1));
    p = dirname(p);
  }
  const real = existsSync(p) ? realpathSync(p) : p;
  return rest.length ? resolve(real, ...rest) : real;
}

export function checkPatch(ops: PatchOp[], policy: SandboxPolicy): string | null {
  for (const path of touchedPaths(ops)) {
    const abs = isAbsolute(path) ? path : resolve(policy.cwd, path);
    const why = patchPathRefusal(abs, policy) ?? (policy.mode === "danger-full-access" ? null : patchPathRefusal(realTarget(abs), policy));
    if (why) return why;
  }
  return null;
}

/** Applies parsed operations. The paths are checked again right before writing, whoever checked them before. */
export function applyPatch(ops: PatchOp[], policy: SandboxPolicy): PatchResult {
  const refusal = checkPatch(ops, policy);
  if (refusal) return { ok: false, message: `patch refused, nothing written: ${refusal}`, files: [] };
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(policy.cwd, p));
  // Everything computed before anything is written.
  const writes: { path: string; content: string }[] = [];
  const deletes: string[] = [];
  try {
    for (const op of ops) {
      const p = abs(op.path);
      if (op.kind === "add") {
        if (existsSync(p)) throw new PatchError(`${op.path} already exists (use Update File)`);
        writes.push({ path: p, content: op.content });
      } else if (op.kind === "delete") {
        if (!existsSync(p)) throw new PatchError(`${op.path} does not exist`);
        deletes.push(p);
      } else {
        if (!existsSync(p)) throw new PatchError(`${op.path} does not exist`);
        const next = applyHunks(op.path, readFileSync(p, "utf8"), op.hunks);
        if (op.moveTo) {
          writes.push({ path: abs(op.moveTo), content: next });
          deletes.push(p);
        } else writes.push({ path: p, content: next });
      }
    }
  } catch (e) {
    return { ok: false, message: `patch not applied, nothing written: ${(e as Error).message}`, files: [] };
  }
  for (const w of writes) {
    mkdirSync(dirname(w.path), { recursive: true });
    const tmp = `${w.path}.cordon-tmp-${process.pid}`;
    writeFileSync(tmp, w.content);
    renameSync(tmp, w.path);
  }
  for (const d of deletes) rmSync(d);
  const files = touchedPaths(ops);
  return { ok: true, message: `patch applied: ${ops.map((o) => `${o.kind} ${o.path}${o.kind === "update" && o.moveTo ? ` -> ${o.moveTo}` : ""}`).join(", ")}`, files };
}
