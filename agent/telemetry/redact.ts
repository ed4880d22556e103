// Every string attribute of every record passes through here: known secret
// values (API keys, tokens, header values) and the usual shapes of a
// credential are replaced, and long text is cut to a snippet. Pure.

export const REDACTED = "[REDACTED]";
/** Tool arguments and outputs are sent as snippets of this many characters. */
export const SNIPPET_CHARS = 512;

const SHAPES: [RegExp, string][] = [
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, `$1 ${REDACTED}`],
  [/\bsk-[A-Za-z0-9_-]{12,}/g, REDACTED],
  [/\b(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})/g, REDACTED],
  [/\bAKIA[0-9A-Z]{16}\b/g, REDACTED],
  [/\b((?:api[_-]?key|token|secret|password|passwd)"?\s*[=:]\s*)("?)[^\s"&,}]{4,}\2/gi, `$1$2${REDACTED}$2`],
];

export type Redactor = (text: string) => string;

/** Secrets shorter than 6 characters are not matched by value (they would match ordinary words). */
export function makeRedactor(secrets: (string | undefined)[]): Redactor {
  const values = [...new Set(secrets.filter((s): s is string => typeof s === "string" && s.length >= 6))].sort(
    (a, b) => b.length - a.length,
  );
  return (text) => {
    let out = text;
    for (const v of values) out = out.split(v).join(REDACTED);
    for (const [re, to] of SHAPES) out = out.replace(re, to);
    return out;
  };
}

/** The first SNIPPET_CHARS characters, marked when cut. */
export function snippet(text: string, max = SNIPPET_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more characters)`;
}
