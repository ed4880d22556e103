// What a launch's scans (the nested `.git` scan, the Unix socket scan) know
// of each folder's entries, kept for this process. A folder whose
// status-change time (ctime), inode and device are what they were when it was
// listed has the same entries: adding, removing or renaming an entry moves
// its ctime, and ctime is the one timestamp a process cannot set (setting
// mtime moves ctime to now). A folder that changed within the last second is
// not remembered: timestamps are coarse, and a change in the same tick as the
// listing could keep the old ctime. Any change after a folder is remembered
// therefore moves its ctime by more than a second, so milliseconds compare
// exactly enough. Within one scan pass (one launch) a folder is stat'ed once,
// whichever scan asks first. Effectful (fs). The memory is per process; a
// one-shot process (`cordon sandbox`) hands it to the next through cordon's
// home (exportListings/importListings), which no sandbox can reach, and each
// entry is checked against the folder again before it is used either way.
import { lstatSync, readdirSync } from "node:fs";

export interface Listing {
  dev: number;
  ino: number;
  ctimeMs: number;
  /** In listing order: the sub-folders, and an entry named ".git" of any type. */
  items: string[];
  /** Names of the socket entries. */
  sockets: string[];
  /** How many entries the folder has (the walks' budgets count them all). */
  entries: number;
}

const listings = new Map<string, Listing>();
/** Folders remembered at most; past this the memory starts over. */
const MAX_REMEMBERED = 50_000;
const SETTLE_MS = 1000;
/** The open scan pass's answers (null: not a readable folder), or null outside a pass. */
let pass: Map<string, Listing | null> | null = null;

/**
 * How the scans went (for tests and the benchmark): folders read, folders taken from memory, and
 * the folders the last scan pass read.
 */
export const listingStats = { listed: 0, reused: 0, readInLastPass: [] as string[] };

/** Forgets every remembered listing. */
export function forgetListings(): void {
  listings.clear();
  listedSinceImport = 0;
}

/** At most this many listings are handed on (a bigger file would cost more to read than it saves). */
const MAX_HANDED_ON = 10_000;
let listedSinceImport = 0;

type Handed = [
  dir: string,
  dev: number,
  ino: number,
  ctimeMs: number,
  entries: number,
  items: string[],
  sockets: string[],
];
const isNames = (x: unknown): x is string[] => Array.isArray(x) && x.every((n) => typeof n === "string");
const isHanded = (x: unknown): x is Handed =>
  Array.isArray(x) &&
  x.length === 7 &&
  typeof x[0] === "string" &&
  [x[1], x[2], x[3], x[4]].every((n) => typeof n === "number") &&
  isNames(x[5]) &&
  isNames(x[6]);

/** The remembered listings as plain data for the next process, or null when none was read since the last import. */
export function exportListings(): Handed[] | null {
  if (listedSinceImport === 0 || listings.size > MAX_HANDED_ON) return null;
  const out: Handed[] = [];
  for (const [dir, l] of listings) out.push([dir, l.dev, l.ino, l.ctimeMs, l.entries, l.items, l.sockets]);
  return out;
}

/** Takes over what exportListings gave, as read back (anything malformed is skipped: the folder is read instead). */
export function importListings(all: unknown): void {
  if (!Array.isArray(all)) return;
  for (const x of all.slice(0, MAX_HANDED_ON) as unknown[]) {
    if (!isHanded(x)) continue;
    const [dir, dev, ino, ctimeMs, entries, items, sockets] = x;
    listings.set(dir, { dev, ino, ctimeMs, entries, items, sockets });
  }
  listedSinceImport = 0;
}

/**
 * Runs `scans` as one pass: a folder asked for twice in it (by the `.git` and the socket scan) is
 * looked at once. Outside a pass every ask stats the folder.
 */
export function inOneScanPass<T>(scans: () => T): T {
  const outer = pass;
  if (!outer) listingStats.readInLastPass = [];
  pass = outer ?? new Map();
  try {
    return scans();
  } finally {
    pass = outer;
  }
}

/** The folder's entries as of now, or null when `dir` is not a folder this process can read. */
export function listFolder(dir: string): Listing | null {
  if (pass?.has(dir)) return pass.get(dir) ?? null;
  const l = look(dir);
  pass?.set(dir, l);
  return l;
}

function look(dir: string): Listing | null {
  let st;
  try {
    st = lstatSync(dir, { throwIfNoEntry: false });
  } catch {
    return null; // EACCES, ENOTDIR
  }
  if (!st?.isDirectory()) return null;
  const known = listings.get(dir);
  if (known && known.dev === st.dev && known.ino === st.ino && known.ctimeMs === st.ctimeMs) {
    listingStats.reused++;
    return known;
  }
  let names;
  try {
    names = readdirSync(dir, { withFileTypes: true });
  } catch {
    return null; // unreadable: nothing there to protect or connect to by that path
  }
  listingStats.listed++;
  listedSinceImport++;
  if (pass) listingStats.readInLastPass.push(dir);
  const items: string[] = [];
  const sockets: string[] = [];
  for (const d of names) {
    if (d.name === ".git" || d.isDirectory()) items.push(d.name);
    else if (d.isSocket()) sockets.push(d.name);
  }
  const l: Listing = { dev: st.dev, ino: st.ino, ctimeMs: st.ctimeMs, items, sockets, entries: names.length };
  if (Date.now() - st.ctimeMs > SETTLE_MS) {
    if (listings.size >= MAX_REMEMBERED) listings.clear();
    listings.set(dir, l);
  } else listings.delete(dir);
  return l;
}
