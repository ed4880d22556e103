// The apply_patch format (as Codex's models write it), parsed into
// operations and applied to file contents in memory. Pure.
//
// Accepts what models actually send: a `<<EOF` heredoc wrapper, markers and
// headers padded with whitespace, blank lines between hunks and before
// `*** End Patch`, a first hunk without `@@`. Context is matched exactly,
// then ignoring trailing whitespace, then surrounding whitespace, then with
// typographic dashes, quotes and odd spaces read as ASCII. Line endings of
// the file are kept: lines the patch does not touch keep theirs, new lines
// take the file's dominant ending (CRLF files stay CRLF).

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
  if (lines.length >= 4 && HEREDOC_OPEN.has((lines[0] as string).trim()) && (lines[lines.length - 1] as string).trim().endsWith("EOF")) {
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
        else if (hunks.length > 0) throw new PatchError(`${at(i)}: expected a '@@' line to start the next hunk of ${path} (got ${JSON.stringify(b.slice(0, 40))})`);
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
            throw new PatchError(`${at(i)}: a change line starts with ' ', '-' or '+' (got ${JSON.stringify(c.slice(0, 40))})`);
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
      throw new PatchError(`${at(i)}: expected '*** Add File:', '*** Update File:' or '*** Delete File:' (got ${JSON.stringify(l.slice(0, 40))})`);
    }
  }
  if (!ops.length) throw new PatchError("the patch changes nothing");
  return ops;
}

const ASCII: Record<string, string> = {
  "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
  "\u2018": "'", "\u2019": "'", "\u201A": "'", "\u201B": "'", "\u201C": '"', "\u201D": '"', "\u201E": '"', "\u201F": '"',
  "\u00A0": " ", "\u2002": " ", "\u2003": " ", "\u2004": " ", "\u2005": " ", "\u2006": " ", "\u2007": " ", "\u2008": " ", "\u2009": " ", "\u200A": " ", "\u202F": " ", "\u205F": " ", "\u3000": " ",
};
const asAscii = (s: string) => s.trim().replace(/[\u2010-\u2015\u2212\u2018-\u201F\u00A0\u2002-\u200A\u202F\u205F\u3000]/g, (c) => ASCII[c] ?? c);

/** Each comparison in turn, strictest first; the first that finds the sequence wins. */
const COMPARISONS: ((a: string, b: string) => boolean)[] = [
  (a, b) => a === b,
  (a, b) => a.trimEnd() === b.trimEnd(),
  (a, b) => a.trim() === b.trim(),
  (a, b) => asAscii(a) === asAscii(b),
];

/** Where `needle` starts in `hay` at or after `from` (from the end first when `eof`), or -1. */
export function seekSequence(hay: string[], needle: string[], from: number, eof = false): number {
  if (needle.length === 0) return from;
  if (needle.length > hay.length) return -1;
  const last = hay.length - needle.length;
  const start = eof ? last : from;
  for (const same of COMPARISONS) {
    for (let s = start; s <= last; s++) {
      if (needle.every((n, k) => same(hay[s + k] as string, n))) return s;
    }
  }
  return eof ? seekSequence(hay, needle, from, false) : -1;
}

interface Line {
  text: string;
  cr: boolean;
}

/** Applies hunks to a file's text; throws naming the hunk whose context is not found. */
export function applyHunks(path: string, original: string, hunks: Hunk[]): string {
  const raw = original.split("\n");
  if (original.endsWith("\n")) raw.pop();
  if (original === "") raw.length = 0;
  const lines: Line[] = raw.map((l) => (l.endsWith("\r") ? { text: l.slice(0, -1), cr: true } : { text: l, cr: false }));
  const texts = lines.map((l) => l.text);
  const crlf = lines.filter((l) => l.cr).length * 2 > lines.length;
  const added = (text: string): Line => ({ text, cr: crlf });

  const replacements: { at: number; oldLen: number; lines: Line[] }[] = [];
  let pos = 0;
  hunks.forEach((h, n) => {
    if (h.anchor) {
      const a = seekSequence(texts, [h.anchor], pos);
      if (a < 0) throw new PatchError(`${path}: hunk ${n + 1}: the line after @@ (${JSON.stringify(h.anchor.slice(0, 80))}) is not in the file`);
      pos = a + 1;
    }
    if (h.oldLines.length === 0) {
      // A pure addition goes to the end of the file (as Codex does); later hunks still search from here.
      replacements.push({ at: texts.length, oldLen: 0, lines: h.newLines.map(added) });
      return;
    }
    let old = h.oldLines;
    let changes = h.changes;
    let found = seekSequence(texts, old, pos, h.eof);
    if (found < 0 && old[old.length - 1] === "" && (!changes || changes[changes.length - 1]?.kind === " ")) {
      // A trailing empty context line the file does not have (a blank line a model added).
      old = old.slice(0, -1);
      changes = changes?.slice(0, -1);
      found = seekSequence(texts, old, pos, h.eof);
    }
    if (found < 0) throw new PatchError(`${path}: hunk ${n + 1} does not match the file (context not found: ${JSON.stringify(h.oldLines.slice(0, 3).join("\n").slice(0, 120))})`);
    let next: Line[];
    if (changes) {
      next = [];
      let j = 0;
      for (const c of changes) {
        if (c.kind === " ") next.push(lines[found + j++] as Line);
        else if (c.kind === "-") j++;
        else next.push(added(c.text));
      }
    } else {
      next = h.newLines.map(added);
    }
    replacements.push({ at: found, oldLen: old.length, lines: next });
    pos = found + old.length;
  });
  replacements.sort((a, b) => a.at - b.at);
  for (let k = 1; k < replacements.length; k++) {
    const prev = replacements[k - 1] as (typeof replacements)[number];
    const cur = replacements[k] as (typeof replacements)[number];
    if (prev.at + prev.oldLen > cur.at) throw new PatchError(`${path}: two hunks change the same lines`);
  }
  for (const r of [...replacements].reverse()) lines.splice(r.at, r.oldLen, ...r.lines);
  return lines.map((l) => `${l.text}${l.cr ? "\r" : ""}\n`).join("");
}

/** Every path a patch touches (sources, destinations of moves). */
export function touchedPaths(ops: PatchOp[]): string[] {
  return ops.flatMap((o) => (o.kind === "update" && o.moveTo ? [o.path, o.moveTo] : [o.path]));
}
