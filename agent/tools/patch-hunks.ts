// Hunks applied to a file's text, in memory. Pure. Context is matched
// exactly, then ignoring trailing whitespace, then surrounding whitespace,
// then with typographic dashes, quotes and odd spaces read as ASCII. Line
// endings are kept: lines the patch does not touch keep theirs, new lines take
// the file's dominant ending (CRLF files stay CRLF).
import { PatchError, type Hunk } from "./patch-parse.js";

const ASCII: Record<string, string> = {
  "\u2010": "-",
  "\u2011": "-",
  "\u2012": "-",
  "\u2013": "-",
  "\u2014": "-",
  "\u2015": "-",
  "\u2212": "-",
  "\u2018": "'",
  "\u2019": "'",
  "\u201A": "'",
  "\u201B": "'",
  "\u201C": '"',
  "\u201D": '"',
  "\u201E": '"',
  "\u201F": '"',
  "\u00A0": " ",
  "\u2002": " ",
  "\u2003": " ",
  "\u2004": " ",
  "\u2005": " ",
  "\u2006": " ",
  "\u2007": " ",
  "\u2008": " ",
  "\u2009": " ",
  "\u200A": " ",
  "\u202F": " ",
  "\u205F": " ",
  "\u3000": " ",
};
const asAscii = (s: string) =>
  s.trim().replace(/[\u2010-\u2015\u2212\u2018-\u201F\u00A0\u2002-\u200A\u202F\u205F\u3000]/g, (c) => ASCII[c] ?? c);

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
  const lines: Line[] = raw.map((l) =>
    l.endsWith("\r") ? { text: l.slice(0, -1), cr: true } : { text: l, cr: false },
  );
  const texts = lines.map((l) => l.text);
  const crlf = lines.filter((l) => l.cr).length * 2 > lines.length;
  const added = (text: string): Line => ({ text, cr: crlf });

  const replacements: { at: number; oldLen: number; lines: Line[] }[] = [];
  let pos = 0;
  hunks.forEach((h, n) => {
    if (h.anchor) {
      const a = seekSequence(texts, [h.anchor], pos);
      if (a < 0)
        throw new PatchError(
          `${path}: hunk ${n + 1}: the line after @@ (${JSON.stringify(h.anchor.slice(0, 80))}) is not in the file`,
        );
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
    if (found < 0)
      throw new PatchError(
        `${path}: hunk ${n + 1} does not match the file (context not found: ${JSON.stringify(h.oldLines.slice(0, 3).join("\n").slice(0, 120))})`,
      );
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
