// One bounded directory walk for every scan that needs one (the nested .git
// scan before a launch, `cordon init`'s look at a repository): depth first, at
// most `maxDepth` levels and `maxEntries` entries, unreadable folders skipped.
import { readdirSync, type Dirent } from "node:fs";

export interface WalkEntry {
  /** root + "/" + the names down to this entry. */
  path: string;
  dirent: Dirent;
  /** 1 for the root's own entries. */
  level: number;
}

/**
 * Calls `visit` for each entry, and goes into a folder when `enter` says so.
 * Returns false when the entry budget ran out (the walk stopped there).
 */
export function walkTree(
  root: string,
  o: { maxDepth: number; maxEntries: number; visit(e: WalkEntry): void; enter(e: WalkEntry): boolean },
): boolean {
  let seen = 0;
  const walk = (dir: string, level: number): boolean => {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return true;
    }
    for (const dirent of entries) {
      if (++seen > o.maxEntries) return false;
      const e = { path: `${dir}/${dirent.name}`, dirent, level };
      o.visit(e);
      if (level < o.maxDepth && o.enter(e) && !walk(e.path, level + 1)) return false;
    }
    return true;
  };
  return walk(root, 1);
}
