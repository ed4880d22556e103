// Text from the model or from a command, made safe to print: control
// characters and escape sequences are shown, never interpreted by the
// terminal, so a command string cannot rewrite the prompt that shows it
// (\r back to the line start, cursor moves, colours, bidi overrides). Pure.

const NAMED: Record<string, string> = {
  "\r": "\\r",
  "\t": "\\t",
  "\x1b": "\\e",
  "\b": "\\b",
  "\x07": "\\a",
  "\f": "\\f",
  "\v": "\\v",
  "\0": "\\0",
};

/** `keepNewlines`: multi-line text (scripts, output) keeps its line breaks. */
export function visible(s: string, keepNewlines = false): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => {
    if (c === "\n") return keepNewlines ? "\n" : "\\n";
    return NAMED[c] ?? `\\u{${c.codePointAt(0)?.toString(16).padStart(4, "0")}}`;
  });
}

/** An argv as a copy-pasteable line: words with spaces or specials single-quoted, controls shown. */
export function showArgv(argv: string[]): string {
  return argv
    .map((w) => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, "'\\''")}'`))
    .map((w) => visible(w, true))
    .join(" ");
}
