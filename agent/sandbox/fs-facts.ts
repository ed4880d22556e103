// Reads the filesystem facts the bwrap argument builder needs: which protected
// paths exist and how, where `gitdir:` pointers lead, what the deny-read
// entries expand to, which Unix sockets outside the sandbox must be masked.
// Effectful (fs reads, and creating cordon's home if missing); the builder
// stays pure. Everything here is redone at every launch, because the previous
// sandboxed command may have changed any of it.
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, realpathSync, statSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { expandGlob, isGlob } from "./glob-expand.js";
import { PolicyError, type SandboxPolicy } from "./policy.js";
import { planSocketMasks, type SocketMasks } from "./socket-masks.js";
import { outsideSockets, SHARED_SOCKET_DIRS } from "./unix-sockets.js";
import { deepestRoot, isWithin } from "../../common/paths.js";
import { inOneScanPass } from "./folder-listings.js";
import { nestedGitEntries } from "./git-scan.js";

export interface FsFacts {
  /** Writable roots that exist (others are skipped: nothing to bind). */
  writableRoots: string[];
  /** The writable root holding the working directory (the workspace), if any. */
  workspace: string | null;
  /** Directories inside writable roots bound onto themselves, so they cannot be renamed (ancestors of masks). */
  pinnedDirs: string[];
  /** Existing protected paths (and gitdir targets) to bind read-only over themselves. */
  protectedExisting: string[];
  /** Missing protected names: mounted as empty read-only dirs so they cannot be created. */
  protectedMissing: string[];
  readOnly: string[];
  denyFiles: string[];
  denyDirs: string[];
  /** cordon's own state: hidden like a deny-read directory. */
  privateDirs: string[];
  /** Unix sockets of processes outside the sandbox: masked so nothing connects to them. */
  sockets: SocketMasks;
  /** Existing empty protected directories (placeholders left in shared roots): covered by a read-only tmpfs, cheaper than a bind. */
  protectedEmpty: string[];
  notes: string[];
}

/** How deep the `.git` pointer scan goes below each writable root, at most. */
const GITDIR_SCAN_MAX_ENTRIES = 100_000;

const lstatOrNull = (p: string) => {
  try {
    return lstatSync(p, { throwIfNoEntry: false }) ?? null;
  } catch {
    return null; // ENOTDIR, EACCES: nothing there this process can see
  }
};
const exists = (p: string) => lstatOrNull(p) !== null;

/** The target of a `gitdir: X` pointer file, absolute. */
export function gitdirTarget(file: string): string | null {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return null;
  }
  const m = /^gitdir:\s*(.+?)\s*$/m.exec(text);
  return m?.[1] ? resolve(dirname(file), m[1]) : null;
}

/** The real path of `p` when its parent exists (the last component may be missing). */
function realOrPlanned(p: string): string | null {
  try {
    return realpathSync(p);
  } catch {
    try {
      return resolve(realpathSync(dirname(p)), basename(p));
    } catch {
      return null;
    }
  }
}

const isEmptyDir = (p: string) => {
  try {
    return readdirSync(p).length === 0;
  } catch {
    return false;
  }
};

/** Every `.git` entry below `root` (not the top one): see git-scan.ts; a note when the scan was cut short. */
function nestedGit(root: string, maxDepth: number, notes: string[]): string[] {
  const { found, complete } = nestedGitEntries(root, maxDepth, GITDIR_SCAN_MAX_ENTRIES);
  if (!complete)
    notes.push(
      `the .git pointer scan stopped after ${GITDIR_SCAN_MAX_ENTRIES} entries under ${root}; deeper linked worktrees are not protected`,
    );
  return found;
}

export interface FactsOptions {
  /** Unix sockets to mask; found on the host unless given (tests). */
  sockets?: string[];
  /** Paths the sandboxed process needs, which no socket mask may hide (cordon's own entry for apply_patch). */
  keep?: string[];
}

export function gatherFacts(p: SandboxPolicy, o: FactsOptions = {}): FsFacts {
  return inOneScanPass(() => factsNow(p, o));
}

function factsNow(p: SandboxPolicy, o: FactsOptions): FsFacts {
  const f: FsFacts = {
    writableRoots: [],
    workspace: null,
    pinnedDirs: [],
    protectedExisting: [],
    protectedMissing: [],
    readOnly: [],
    denyFiles: [],
    denyDirs: [],
    privateDirs: [],
    sockets: { dirs: [], files: [] },
    protectedEmpty: [],
    notes: [],
  };
  for (const root of p.writableRoots) {
    if (!exists(root)) {
      f.notes.push(`writable root ${root} does not exist; skipped`);
      continue;
    }
    const real = realpathSync(root);
    if (real !== root) {
      throw new PolicyError(
        `writable root ${root} resolves through a symlink to ${real}; a write there would land outside the path you allowed. List the real path instead.`,
      );
    }
    f.writableRoots.push(root);
  }
  const inWritable = (x: string) => f.writableRoots.some((r) => isWithin(x, r));
  const workspace = deepestRoot(p.cwd, f.writableRoots) ?? null;
  f.workspace = workspace;

  /** Makes `path` read-only and not creatable, whatever is (or is not) there now. */
  const protect = (path: string, ownRoot: boolean, hops = 0) => {
    const st = lstatOrNull(path);
    if (!st) {
      if (inWritable(path)) f.protectedMissing.push(path);
      return;
    }
    if (!st.isSymbolicLink()) {
      if (!ownRoot && st.isDirectory() && isEmptyDir(path)) f.protectedEmpty.push(path);
      else f.protectedExisting.push(path);
      return;
    }
    if (ownRoot) {
      let to = "(dangling)";
      try {
        to = realpathSync.native(path);
      } catch {
        // dangling
      }
      throw new PolicyError(
        `${path} is a symlink (to ${to}); a protected path must be a real file or directory, or the sandbox could replace what it points to. ` +
          `Nothing was run. Remove the link (rm ${JSON.stringify(path)}) or replace it with the real directory` +
          `${p.hostTrustedPaths.includes(path) ? `, or leave ${basename(path)} out of sandbox_workspace_write.host_trusted_paths` : ""}.`,
      );
    }
    // A link in a shared root (another user's, or an earlier command's, in /tmp): neutralise what it
    // points to instead of failing, so one planted link cannot disable every sandbox on the host.
    let target: string | null = null;
    try {
      target = realOrPlanned(resolve(dirname(path), readlinkSync(path)));
    } catch {
      // vanished meanwhile
    }
    if (target && inWritable(target) && hops < 8) protect(target, false, hops + 1);
    f.notes.push(`${path} is a symlink; its target ${target ?? "(unresolvable)"} is kept read-only`);
  };

  for (const root of f.writableRoots) {
    const own = root === workspace;
    for (const name of p.protectedNames) {
      const path = `${root}/${name}`;
      protect(path, own);
      const st = lstatOrNull(path);
      if (st?.isFile() && name === ".git") protectGitdir(path, f, inWritable);
    }
    // Linked worktrees, submodules and `.git` files pointing elsewhere, below the top.
    for (const g of nestedGit(root, p.globScanMaxDepth, f.notes)) {
      const st = lstatOrNull(g);
      if (!st || st.isSymbolicLink()) continue;
      f.protectedExisting.push(g);
      if (st.isFile()) protectGitdir(g, f, inWritable);
    }
  }
  if (workspace && p.mode === "workspace-write") {
    for (const t of p.hostTrustedPaths) if (isWithin(t, workspace)) protect(t, true);
  }
  for (const ro of p.readOnlyPaths) if (exists(ro)) f.readOnly.push(realpathSync(ro));

  const deny = new Set<string>();
  for (const d of p.denyRead) {
    const matches = isGlob(d) ? expandGlob(d, p.globScanMaxDepth) : exists(d) ? [d] : [];
    for (const m of matches) {
      deny.add(m);
      // Mask the target of a symlink too, so no other link reaches it.
      try {
        deny.add(realpathSync(m));
      } catch {
        // dangling link: nothing to read behind it
      }
    }
  }
  for (const d of deny) {
    const st = lstatOrNull(d);
    if (!st || st.isSymbolicLink()) continue; // a link's target is in the set; binding onto the link would follow it anyway
    (statSync(d).isDirectory() ? f.denyDirs : f.denyFiles).push(d);
  }
  for (const home of p.privatePaths) {
    // Created now (private to the user) so there is always something to mask and nothing for a command to create.
    mkdirSync(home, { recursive: true, mode: 0o700 });
    f.privateDirs.push(realpathSync(home));
  }
  const hidden = [...f.denyDirs, ...f.privateDirs];
  // Masked entries inside writable roots cannot move: their ancestors become mount points
  // (rename gives EBUSY), so a command cannot carry a denied file to a name the next scan misses.
  const pinned = new Set<string>();
  for (const m of [...f.denyDirs, ...f.denyFiles, ...f.privateDirs]) {
    for (const r of f.writableRoots) {
      if (!isWithin(m, r) || m === r) continue;
      for (let a = dirname(m); a !== r && isWithin(a, r); a = dirname(a)) pinned.add(a);
    }
  }
  f.pinnedDirs = [...pinned].filter((d) => !hidden.some((h) => isWithin(d, h)));
  const sockets = (o.sockets ?? outsideSockets({ network: p.network })).filter(
    (s) => !hidden.some((h) => isWithin(s, h)) && !f.denyFiles.includes(s),
  );
  const shared = [
    ...SHARED_SOCKET_DIRS,
    ...(process.env.XDG_RUNTIME_DIR ? [process.env.XDG_RUNTIME_DIR] : []),
    ...f.writableRoots,
  ];
  f.sockets = planSocketMasks(sockets, f.writableRoots, [p.cwd, process.execPath, ...(o.keep ?? [])], shared);
  // A protected path inside a hidden directory is already hidden; drop duplicates either way.
  f.protectedExisting = [...new Set(f.protectedExisting)].filter((x) => !hidden.some((dd) => isWithin(x, dd)));
  f.protectedMissing = [...new Set(f.protectedMissing)].filter((x) => !hidden.some((dd) => isWithin(x, dd)));
  return f;
}

/** A `.git` file's target (a linked worktree's or submodule's git dir, or `./.bare`) is read-only too. */
function protectGitdir(file: string, f: FsFacts, inWritable: (p: string) => boolean): void {
  const target = gitdirTarget(file);
  if (!target) return;
  const real = realOrPlanned(target);
  if (real && exists(real)) f.protectedExisting.push(real);
  else if (real && inWritable(real)) f.protectedMissing.push(real);
  else f.notes.push(`${file} points to ${target}, which does not exist`);
}
