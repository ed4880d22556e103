// The files `cordon init` would write, as plain data: what the dry run prints
// and what the command writes all or nothing. Pure.
import { createTwoFilesPatch } from "diff";

export interface FileChange {
  /** Path relative to the repository root. */
  path: string;
  before: Buffer | null;
  after: Buffer;
  /** Executable bit for the written file. */
  executable?: boolean;
  /** Set when the current file was edited by hand: writing it needs --force. */
  needsForce?: string;
  /** A copy of one of cordon's own files: the dry run names it instead of printing it. */
  copyOf?: string;
}

const isText = (b: Buffer) => !b.includes(0);

/** Only the changes that change something. */
export const effective = (changes: FileChange[]) =>
  changes.filter((c) => c.before === null || !c.before.equals(c.after));

/** The unified diff of every change; binary files as one line each. */
export function dryRunText(changes: FileChange[]): string {
  return changes
    .map((c) => {
      if (c.copyOf) return `${c.before ? "Update" : "New"} ${c.path}: ${c.copyOf} (${c.after.length} bytes)\n`;
      if (!isText(c.after) || (c.before && !isText(c.before)))
        return `Binary ${c.path}: ${c.before ? `${c.before.length} bytes -> ` : "new, "}${c.after.length} bytes\n`;
      return createTwoFilesPatch(
        c.path,
        c.path,
        c.before?.toString("utf8") ?? "",
        c.after.toString("utf8"),
        "now",
        "cordon init",
      );
    })
    .join("");
}
