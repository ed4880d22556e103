// The allowlist `cordon init` writes: what every cordon container needs (the
// model API, GitHub, VS Code) and the registries the repository's files show,
// each group with a comment saying why. A marker line carries a hash of the
// body, so a later run can tell its own unedited output (safe to refresh) from
// a file someone edited (left alone without --force). Pure.
import { createHash } from "node:crypto";
import type { Ecosystem } from "./ecosystems.js";

const MARKER = "# cordon-init: sha256=";

const ALWAYS: { why: string; names: string[] }[] = [
  { why: "the model API (change it if you use another provider)", names: ["api.openai.com", "auth.openai.com"] },
  {
    why: "GitHub (clone, fetch, push, release downloads)",
    names: ["github.com", "api.github.com", "codeload.github.com", "objects.githubusercontent.com"],
  },
  { why: "VS Code server and extensions", names: ["update.code.visualstudio.com", "marketplace.visualstudio.com"] },
];

/**
 * A repository path in a comment line: a hostile repository can name a folder
 * with a newline and a quoted host in it, which would otherwise end the comment
 * and add that host to the allowlist. Anything but printable ASCII becomes "?".
 */
export const commentSafe = (path: string) => path.replace(/[^\x20-\x7e]/g, "?");

const hash = (body: string) => createHash("sha256").update(body).digest("hex");

export function allowlistText(ecosystems: Ecosystem[]): string {
  const lines = [
    "version = 1",
    "",
    "[dns]",
    'resolvers = ["system"]',
    "# Resolve through cordon's DNS forwarder: allowed names only, admitted before they are answered.",
    'mode = "forwarder"',
    "",
    "[allow]",
    "names = [",
  ];
  for (const g of ALWAYS) {
    lines.push(`  # ${g.why}`);
    for (const n of g.names) lines.push(`  "${n}",`);
  }
  for (const e of ecosystems) {
    lines.push(`  # ${e.label}: ${e.because.map(commentSafe).join(", ")}`);
    for (const n of e.names) lines.push(`  "${n}",`);
  }
  lines.push("]", "required = []", "");
  const body = lines.join("\n");
  return [
    "# The container's egress allowlist, written by `cordon init` from this repository's files.",
    "# Edit freely: once edited, `cordon init` leaves this file alone (unless --force).",
    `${MARKER}${hash(body)}`,
    body,
  ].join("\n");
}

/** Whether a file is `cordon init`'s own output, unedited since (its body still matches the marker). */
export function isUntouchedOutput(text: string): boolean {
  const i = text.indexOf(MARKER);
  if (i < 0) return false;
  const end = text.indexOf("\n", i);
  if (end < 0) return false;
  return text.slice(i + MARKER.length, end) === hash(text.slice(end + 1));
}
