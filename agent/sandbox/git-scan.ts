// The nested `.git` scan below a writable root, run before every launch, with
// this process's memory of each folder's listing. A folder whose status-change
// time (ctime), inode and device are what they were when it was listed has
// the same entries: adding, removing or renaming an entry moves its ctime, and
// ctime is the one timestamp a process cannot set (setting mtime moves ctime
// to now). A folder that changed within the last second is not remembered:
// timestamps are coarse, and a change in the same tick as the listing could
// keep the old ctime. So a launch stats each folder instead of reading it,
// and a sandboxed command cannot hide a repository it adds from the next scan.
// Effectful (fs); the memory is per process, never on disk.
import { lstatSync, readdirSync } from "node:fs";

interface Listing {
  dev: bigint;
  ino: bigint;
  ctimeNs: bigint;
  /** In listing order: ".git" (a hit below the top) or a folder to go into. */
  items: string[];
  /** How many entries the folder has (the walk's budget counts them all). */
  entries: number;
}

const listings = new Map<string, Listing>();
/** Folders remembered at most; past this the memory starts over. */
const MAX_REMEMBERED = 50_000;
const SETTLE_NS = 1_000_000_000n;

/** How the last scans went (for tests and the benchmark): folders read, and folders taken from memory. */
export const gitScanStats = { listed: 0, reused: 0 };

/** Forgets every remembered listing. */
export function forgetGitScan(): void {
  listings.clear();
}

function listing(dir: string): Listing | null {
  let st;
  try {
    st = lstatSync(dir, { bigint: true });
  } catch {
    return null;
  }
  if (!st.isDirectory()) return null;
  const known = listings.get(dir);
  if (known && known.dev === st.dev && known.ino === st.ino && known.ctimeNs === st.ctimeNs) {
    gitScanStats.reused++;
    return known;
  }
  let names;
  try {
    names = readdirSync(dir, { withFileTypes: true });
  } catch {
    return null; // unreadable: skipped, as before
  }
  gitScanStats.listed++;
  const items: string[] = [];
  for (const d of names) if (d.name === ".git" || (d.isDirectory() && d.name !== "node_modules")) items.push(d.name);
  const l: Listing = { dev: st.dev, ino: st.ino, ctimeNs: st.ctimeNs, items, entries: names.length };
  const now = BigInt(Date.now()) * 1_000_000n;
  if (now - st.ctimeNs > SETTLE_NS) {
    if (listings.size >= MAX_REMEMBERED) listings.clear();
    listings.set(dir, l);
  } else listings.delete(dir);
  return l;
}

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
    const l = listing(dir);
    if (!l) return true;
    seen += l.entries;
    if (seen > maxEntries) return false;
    for (const name of l.items) {
      const path = `${dir}/${name}`;
      if (name === ".git") {
        if (level > 1) found.push(path);
      } else if (level < maxDepth && !walk(path, level + 1)) return false;
    }
    return true;
  };
  const complete = walk(root, 1);
  return { found, complete };
}
