// Deny-read globs are expanded before launch: bwrap masks paths, not
// patterns. The walk is bounded in depth and in matches, never follows
// symlinked directories, and fails (rather than silently truncating) when the
// cap is hit or a directory cannot be listed, because a truncated deny list
// would leak. Matching uses
// picomatch; the walk is a plain readdir loop so it can stop early.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import picomatch from "picomatch";
import { UserError } from "../../common/user-error.js";

export const MAX_GLOB_MATCHES = 8192;

export class GlobError extends UserError {}

const GLOB_CHARS = /[*?[\]{}]/;

export function isGlob(p: string): boolean {
  return GLOB_CHARS.test(p);
}

/** Splits "/ws/a/**\/*.env" into the literal base "/ws/a" and the pattern "**\/*.env". */
export function splitGlob(pattern: string): { base: string; rest: string } {
  const parts = pattern.split("/");
  const i = parts.findIndex((p) => GLOB_CHARS.test(p));
  return { base: parts.slice(0, i).join("/") || "/", rest: parts.slice(i).join("/") };
}

/** Absolute paths under the glob's base matching it, to `maxDepth` levels below the base. */
export function expandGlob(pattern: string, maxDepth: number, cap = MAX_GLOB_MATCHES): string[] {
  const { base, rest } = splitGlob(pattern);
  const isMatch = picomatch(rest, { dot: true });
  const out: string[] = [];
  const walk = (dir: string, rel: string, level: number) => {
    if (level > maxDepth) return;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") return; // vanished: nothing to mask there
      // Unreadable (e.g. an earlier command ran chmod 311 on it): a skipped directory could hide
      // a match from the mask while a command inside still opens it by name. Fail closed.
      throw new GlobError(
        `cannot list ${dir} (${code ?? (e as Error).message}) while expanding the deny-read glob "${pattern}"; the sandbox was not started, ` +
          `because a file matching the glob in there could not be hidden. Restore the directory's permissions (chmod u+rx ${JSON.stringify(dir)}) or narrow the glob.`,
      );
    }
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      const abs = join(dir, e.name);
      if (isMatch(r)) {
        out.push(abs);
        if (out.length > cap) {
          throw new GlobError(
            `deny-read glob "${pattern}" matches more than ${cap} paths; narrow it so the sandbox can mask every match`,
          );
        }
      }
      if (e.isDirectory() && !e.isSymbolicLink()) walk(abs, r, level + 1);
    }
  };
  walk(base, "", 1);
  return out;
}
