// Applies parsed patch operations to the filesystem, all or nothing. Runs
// inside the sandbox (patch-main.ts, started by cordon under bwrap with the
// turn's policy), so the sandbox is what bounds the writes; this file adds
// what a sandbox cannot: no write follows a symlink (a link a command planted
// inside a writable root would otherwise redirect it), temporary files have
// unpredictable names and are created exclusively, a file keeps its mode, and
// a failure anywhere leaves every file as it was.
import { randomBytes } from "node:crypto";
import {
  closeSync,
  fchmodSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
  type Stats,
} from "node:fs";
import { basename, dirname, relative, resolve, sep } from "node:path";
import { applyHunks } from "./patch-hunks.js";
import { PatchError, type PatchOp } from "./patch-parse.js";
import { deepestRoot } from "../../common/paths.js";

export interface PatchResult {
  ok: boolean;
  /** Human summary: files changed, or why nothing was. */
  message: string;
  files: string[];
}

const lstatOrNull = (p: string): Stats | null => {
  try {
    return lstatSync(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
};

/** Refuses a path any of whose directories (below the root that holds it, or below / when none) is a symlink. */
function checkParents(abs: string, roots: string[]): void {
  const root = deepestRoot(abs, roots) ?? "/";
  const parts = relative(root, dirname(abs)).split(sep).filter(Boolean);
  let p = root;
  for (const part of parts) {
    p = resolve(p, part);
    const st = lstatOrNull(p);
    if (!st) return; // created later, as a real directory
    if (st.isSymbolicLink())
      throw new PatchError(
        `${p} is a symbolic link; apply_patch does not write through links (edit the real path instead)`,
      );
    if (!st.isDirectory()) throw new PatchError(`${p} is not a directory`);
  }
}

/** The file an update or delete acts on: a regular file, not a link or a directory. */
function existingFile(abs: string, shown: string): Stats {
  const st = lstatOrNull(abs);
  if (!st) throw new PatchError(`${shown} does not exist`);
  if (st.isSymbolicLink())
    throw new PatchError(
      `${shown} is a symbolic link; apply_patch does not write through links (edit the file it points to)`,
    );
  if (st.isDirectory()) throw new PatchError(`${shown} is a directory, not a file`);
  if (!st.isFile()) throw new PatchError(`${shown} is not a regular file`);
  return st;
}

/** mkdir -p, one real directory at a time (never through a link). */
function makeParents(dir: string): void {
  const st = lstatOrNull(dir);
  if (st?.isDirectory()) return;
  if (st) throw new PatchError(`${dir} exists and is not a directory`);
  makeParents(dirname(dir));
  mkdirSync(dir);
}

interface Write {
  path: string;
  content: string;
  /** The mode to keep (updates); new files get the default mode. */
  mode: number | null;
  temp?: string;
}

/** Writes `content` to a fresh, exclusively created file beside `path` with an unguessable name. */
function stage(w: Write): void {
  makeParents(dirname(w.path));
  const temp = `${dirname(w.path)}/.${basename(w.path)}.${randomBytes(8).toString("hex")}.cordon-patch`;
  const fd = openSync(temp, "wx", w.mode ?? 0o666);
  w.temp = temp;
  try {
    writeSync(fd, w.content);
    if (w.mode !== null) fchmodSync(fd, w.mode); // the umask does not get to change an existing file's mode
  } finally {
    closeSync(fd);
  }
}

/** Applies the operations under `cwd`; `roots` are the writable roots (for the symlinked-parent check). */
export function writePatch(ops: PatchOp[], cwd: string, roots: string[]): PatchResult {
  const abs = (p: string) => resolve(cwd, p); // an absolute p stays itself, normalised
  const writes: Write[] = [];
  const deletes: string[] = [];
  try {
    const planned = new Map<string, string | null>(); // path -> content after earlier ops in this patch (null: deleted)
    const current = (p: string, shown: string): { text: string; mode: number } => {
      if (planned.has(p)) {
        const t = planned.get(p);
        if (t === null || t === undefined)
          throw new PatchError(`${shown} does not exist (deleted earlier in this patch)`);
        return { text: t, mode: writes.find((w) => w.path === p)?.mode ?? 0o644 };
      }
      const st = existingFile(p, shown);
      return { text: readFileSync(p, "utf8"), mode: st.mode & 0o7777 };
    };
    for (const op of ops) {
      const p = abs(op.path);
      checkParents(p, roots);
      if (op.kind === "add") {
        const st = planned.has(p) ? (planned.get(p) === null ? null : true) : lstatOrNull(p);
        if (st) throw new PatchError(`${op.path} already exists (use Update File to change it)`);
        writes.push({ path: p, content: op.content, mode: null });
        planned.set(p, op.content);
      } else if (op.kind === "delete") {
        current(p, op.path);
        deletes.push(p);
        planned.set(p, null);
      } else {
        const { text, mode } = current(p, op.path);
        const next = op.hunks.length ? applyHunks(op.path, text, op.hunks) : text;
        if (op.moveTo) {
          const dest = abs(op.moveTo);
          checkParents(dest, roots);
          const st = planned.has(dest) ? planned.get(dest) !== null : lstatOrNull(dest) !== null;
          if (st && dest !== p) throw new PatchError(`cannot move ${op.path} to ${op.moveTo}: it already exists`);
          writes.push({ path: dest, content: next, mode });
          planned.set(dest, next);
          if (dest !== p) {
            deletes.push(p);
            planned.set(p, null);
          }
        } else {
          writes.push({ path: p, content: next, mode });
          planned.set(p, next);
        }
      }
    }
    // Later operations on the same path supersede earlier ones.
    const last = new Map(writes.map((w) => [w.path, w]));
    const finalWrites = [...last.values()].filter((w) => planned.get(w.path) !== null);
    for (const w of finalWrites) stage(w);
    for (const w of finalWrites) renameSync(w.temp as string, w.path);
    for (const d of new Set(deletes)) if (planned.get(d) === null) unlinkSync(d);
  } catch (e) {
    for (const w of writes) {
      if (w.temp) {
        try {
          unlinkSync(w.temp);
        } catch {
          // already renamed into place or never created
        }
      }
    }
    const err = e as NodeJS.ErrnoException;
    const why =
      e instanceof PatchError
        ? err.message
        : err.code === "EROFS" || err.code === "EACCES" || err.code === "EPERM"
          ? `${err.path ?? "a path"}: the sandbox does not allow writing there (${err.code})`
          : err.message;
    return { ok: false, message: `patch not applied, nothing written: ${why}`, files: [] };
  }
  const files = ops.flatMap((o) => (o.kind === "update" && o.moveTo ? [o.path, o.moveTo] : [o.path]));
  return {
    ok: true,
    message: `patch applied: ${ops.map((o) => `${o.kind} ${o.path}${o.kind === "update" && o.moveTo ? ` -> ${o.moveTo}` : ""}`).join(", ")}`,
    files,
  };
}
