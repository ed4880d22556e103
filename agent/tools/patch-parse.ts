// The apply_patch format (as Codex's models write it), parsed into
// operations. Pure. Applying hunks to text is patch-hunks.ts.
//
// Accepts what models actually send: a `<<EOF` heredoc wrapper, markers and
// headers padded with whitespace, blank lines between hunks and before
// `*** End Patch`, a first hunk without `@@`.

export type ChangeKind = " " | "-" | "+";

export interface Hunk {
  /** Text after `@@`, used to find the place when given. */
  anchor: string;
  oldLines: string[];
  newLines: string[];
  /** The hunk's lines in order (context, removed, added); lets context keep the file's own line endings. */
  changes?: { kind: ChangeKind; text: string }[];
  /** `*** End of File`: the hunk is matched at the end of the file first. */
  eof?: boolean;
}

export type PatchOp =
  | { kind: "add"; path: string; content: string }
  | { kind: "delete"; path: string }
  | { kind: "update"; path: string; moveTo: string | null; hunks: Hunk[] };

export class PatchError extends Error {}

const BEGIN = "*** Begin Patch";
const END = "*** End Patch";
const HEREDOC_OPEN = new Set(["<<EOF", "<<'EOF'", '<<"EOF"']);

/** The patch's lines between the markers, unwrapping a heredoc a model wrapped it in. */
function bodyLines(text: string): string[] {
  let lines = text.replace(/\r\n/g, "\n").split("\n");
  while (lines.length && lines[lines.length - 1]?.trim() === "") lines.pop();
  while (lines.length && lines[0]?.trim() === "") lines.shift();
  if (
    lines.length >= 4 &&
    HEREDOC_OPEN.has((lines[0] as string).trim()) &&
    (lines[lines.length - 1] as string).trim().endsWith("EOF")
  ) {
    lines = lines.slice(1, -1);
  }
  if (lines[0]?.trim() !== BEGIN) throw new PatchError(`a patch starts with '${BEGIN}'`);
  if (lines.length < 2 || lines[lines.length - 1]?.trim() !== END) throw new PatchError(`a patch ends with '${END}'`);
  return lines.slice(1, -1);
}

const header = (l: string, tag: string) => {
  const t = l.trim();
  return t.startsWith(tag) ? t.slice(tag.length).trim() : null;
};

export function parsePatch(text: string): PatchOp[] {
  const lines = bodyLines(text);
  const ops: PatchOp[] = [];
  let i = 0;
  const at = (n: number) => `line ${n + 2}`; // +1 for 1-based, +1 for the Begin marker
  while (i < lines.length) {
    const l = lines[i] as string;
    if (l.trim() === "") {
      i++;
      continue;
    }
    let path: string | null;
    if ((path = header(l, "*** Add File:")) !== null) {
      if (!path) throw new PatchError(`${at(i)}: '*** Add File:' needs a path`);
      const body: string[] = [];
      for (i++; i < lines.length && (lines[i] as string).startsWith("+"); i++) body.push((lines[i] as string).slice(1));
      ops.push({ kind: "add", path, content: body.length ? `${body.join("\n")}\n` : "" });
    } else if ((path = header(l, "*** Delete File:")) !== null) {
      if (!path) throw new PatchError(`${at(i)}: '*** Delete File:' needs a path`);
      ops.push({ kind: "delete", path });
      i++;
    } else if ((path = header(l, "*** Update File:")) !== null) {
      if (!path) throw new PatchError(`${at(i)}: '*** Update File:' needs a path`);
      const start = i;
      i++;
      const mv = lines[i] !== undefined ? header(lines[i] as string, "*** Move to:") : null;
      if (mv !== null) {
        if (!mv) throw new PatchError(`${at(i)}: '*** Move to:' needs a path`);
        i++;
      }
      const hunks: Hunk[] = [];
      while (i < lines.length) {
        const b = lines[i] as string;
        if (b.trim() === "") {
          // Blank lines between hunks; a blank line inside a hunk is read there as empty context.
          i++;
          continue;
        }
        if (b.trimStart().startsWith("***")) break;
        let anchor: string | null = null;
        if (b.trim() === "@@") anchor = "";
        else if (b.startsWith("@@ ")) anchor = b.slice(3);
        else if (hunks.length > 0)
          throw new PatchError(
            `${at(i)}: expected a '@@' line to start the next hunk of ${path} (got ${JSON.stringify(b.slice(0, 40))})`,
          );
        if (anchor !== null) i++;
        const hunk: Hunk = { anchor: anchor ?? "", oldLines: [], newLines: [], changes: [] };
        const changes = hunk.changes as { kind: ChangeKind; text: string }[];
        let blankTail = 0; // bare empty lines at the end: blank lines between hunks or before the end, not context
        for (; i < lines.length; i++) {
          const c = lines[i] as string;
          if (c.trim() === "*** End of File") {
            hunk.eof = true;
            i++;
            break;
          }
          if (c.startsWith("@@") || c.trimStart().startsWith("***")) break;
          const kind = c === "" ? " " : c[0];
          if (kind !== " " && kind !== "-" && kind !== "+") {
            throw new PatchError(
              `${at(i)}: a change line starts with ' ', '-' or '+' (got ${JSON.stringify(c.slice(0, 40))})`,
            );
          }
          blankTail = c.trim() === "" && kind === " " ? blankTail + 1 : 0;
          const rest = c.slice(1);
          changes.push({ kind, text: rest });
          if (kind !== "+") hunk.oldLines.push(rest);
          if (kind !== "-") hunk.newLines.push(rest);
        }
        if (blankTail > 0 && blankTail < changes.length) {
          changes.splice(-blankTail);
          hunk.oldLines.splice(-blankTail);
          hunk.newLines.splice(-blankTail);
        }
        if (!hunk.changes?.length) throw new PatchError(`${at(i - 1)}: hunk ${hunks.length + 1} of ${path} is empty`);
        hunks.push(hunk);
      }
      if (!hunks.length && mv === null) throw new PatchError(`${at(start)}: update of ${path} has no hunks`);
      ops.push({ kind: "update", path, moveTo: mv, hunks });
    } else {
      throw new PatchError(
        `${at(i)}: expected '*** Add File:', '*** Update File:' or '*** Delete File:' (got ${JSON.stringify(l.slice(0, 40))})`,
      );
    }
  }
  if (!ops.length) throw new PatchError("the patch changes nothing");
  return ops;
}

/** Every path a patch touches (sources, destinations of moves). */
export function touchedPaths(ops: PatchOp[]): string[] {
  return ops.flatMap((o) => (o.kind === "update" && o.moveTo ? [o.path, o.moveTo] : [o.path]));
}
