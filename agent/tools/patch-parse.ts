// The apply_patch format (as Codex's models write it), parsed into
// operations and applied to file contents in memory. Pure.

export interface Hunk {
  /** Text after `@@`, used to find the place when given. */
  anchor: string;
  oldLines: string[];
  newLines: string[];
}

export type PatchOp =
  | { kind: "add"; path: string; content: string }
  | { kind: "delete"; path: string }
  | { kind: "update"; path: string; moveTo: string | null; hunks: Hunk[] };

export class PatchError extends Error {}

export function parsePatch(text: string): PatchOp[] {
  const lines = text.replace(/\r\n/g, "\n").split("\n");
  while (lines.length && lines[lines.length - 1] === "") lines.pop();
  if (lines[0]?.trim() !== "*** Begin Patch") throw new PatchError("a patch starts with '*** Begin Patch'");
  if (lines[lines.length - 1]?.trim() !== "*** End Patch") throw new PatchError("a patch ends with '*** End Patch'");
  const ops: PatchOp[] = [];
  let i = 1;
  const end = lines.length - 1;
  const header = (l: string, tag: string) => (l.startsWith(tag) ? l.slice(tag.length).trim() : null);
  while (i < end) {
    const l = lines[i] as string;
    let path: string | null;
    if ((path = header(l, "*** Add File: ")) !== null) {
      const body: string[] = [];
      for (i++; i < end && !(lines[i] as string).startsWith("*** "); i++) {
        const b = lines[i] as string;
        if (!b.startsWith("+")) throw new PatchError(`line ${i + 1}: in an added file every line starts with '+'`);
        body.push(b.slice(1));
      }
      ops.push({ kind: "add", path, content: body.length ? `${body.join("\n")}\n` : "" });
    } else if ((path = header(l, "*** Delete File: ")) !== null) {
      ops.push({ kind: "delete", path });
      i++;
    } else if ((path = header(l, "*** Update File: ")) !== null) {
      i++;
      let moveTo: string | null = null;
      const mv = lines[i] !== undefined ? header(lines[i] as string, "*** Move to: ") : null;
      if (mv !== null) {
        moveTo = mv;
        i++;
      }
      const hunks: Hunk[] = [];
      let cur: Hunk | null = null;
      for (; i < end && !((lines[i] as string).startsWith("*** ") && !(lines[i] as string).startsWith("*** End of File")); i++) {
        const b = lines[i] as string;
        if (b.startsWith("*** End of File")) continue;
        if (b.startsWith("@@")) {
          cur = { anchor: b.slice(2).trim(), oldLines: [], newLines: [] };
          hunks.push(cur);
          continue;
        }
        if (!cur) {
          cur = { anchor: "", oldLines: [], newLines: [] };
          hunks.push(cur);
        }
        const tag = b[0];
        const rest = b.slice(1);
        if (tag === " " || b === "") {
          cur.oldLines.push(rest);
          cur.newLines.push(rest);
        } else if (tag === "-") cur.oldLines.push(rest);
        else if (tag === "+") cur.newLines.push(rest);
        else throw new PatchError(`line ${i + 1}: a change line starts with ' ', '-' or '+' (got ${JSON.stringify(b.slice(0, 20))})`);
      }
      if (!hunks.length && !moveTo) throw new PatchError(`update of ${path} has no changes`);
      ops.push({ kind: "update", path, moveTo, hunks });
    } else {
      throw new PatchError(`line ${i + 1}: expected '*** Add File:', '*** Update File:' or '*** Delete File:' (got ${JSON.stringify(l.slice(0, 40))})`);
    }
  }
  if (!ops.length) throw new PatchError("the patch changes nothing");
  return ops;
}

function findSeq(hay: string[], needle: string[], from: number): number {
  const eq = [(a: string, b: string) => a === b, (a: string, b: string) => a.trimEnd() === b.trimEnd(), (a: string, b: string) => a.trim() === b.trim()];
  for (const same of eq) {
    for (let s = from; s + needle.length <= hay.length; s++) {
      if (needle.every((n, k) => same(hay[s + k] as string, n))) return s;
    }
  }
  return -1;
}

/** Applies hunks to a file's text; throws naming the hunk whose context is not found. */
export function applyHunks(path: string, original: string, hunks: Hunk[]): string {
  const trailingNewline = original.endsWith("\n");
  const lines = original.split("\n");
  if (trailingNewline) lines.pop();
  let pos = 0;
  hunks.forEach((h, n) => {
    if (h.anchor) {
      const a = findSeq(lines, [h.anchor], pos);
      if (a >= 0) pos = a;
    }
    if (h.oldLines.length === 0) {
      lines.push(...h.newLines);
      pos = lines.length;
      return;
    }
    const at = findSeq(lines, h.oldLines, pos);
    if (at < 0) throw new PatchError(`${path}: hunk ${n + 1} does not match the file (context not found: ${JSON.stringify(h.oldLines.slice(0, 3).join("\n").slice(0, 120))})`);
    lines.splice(at, h.oldLines.length, ...h.newLines);
    pos = at + h.newLines.length;
  });
  return lines.length ? `${lines.join("\n")}\n` : "";
}

/** Every path a patch touches (sources, destinations of moves). */
export function touchedPaths(ops: PatchOp[]): string[] {
  return ops.flatMap((o) => (o.kind === "update" && o.moveTo ? [o.path, o.moveTo] : [o.path]));
}
