// The nested `.git` scan below a writable root, run before every launch, on
// the process's remembered folder listings (folder-listings.ts): a launch
// stats each folder instead of reading it, and a sandboxed command cannot
// hide a repository it adds from the next scan. Effectful (fs).
import { listFolder } from "./folder-listings.js";

/**
 * Every `.git` entry below `root` (not the top one), to `maxDepth` levels, depth first in listing
 * order; skips node_modules and .git contents. `complete` is false when `maxEntries` entries were
 * seen before the walk ended (it stops at the folder where the budget ran out).
 */
export function nestedGitEntries(
  root: string,
  maxDepth: number,
  maxEntries: number,
): { found: string[]; complete: boolean } {
  const found: string[] = [];
  let seen = 0;
  const walk = (dir: string, level: number): boolean => {
    const l = listFolder(dir);
    if (!l) return true;
    seen += l.entries;
    if (seen > maxEntries) return false;
    for (const name of l.items) {
      const path = `${dir}/${name}`;
      if (name === ".git") {
        if (level > 1) found.push(path);
      } else if (name !== "node_modules" && level < maxDepth && !walk(path, level + 1)) return false;
    }
    return true;
  };
  const complete = walk(root, 1);
  return { found, complete };
}
