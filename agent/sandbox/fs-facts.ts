// Reads the filesystem facts the bwrap argument builder needs: which protected
// paths exist and how, where a `gitdir:` pointer leads, what the deny-read
// entries expand to. Effectful (fs reads only); the builder stays pure.
import { lstatSync, readFileSync, realpathSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { expandGlob, isGlob } from "./glob-expand.js";
import { PROTECTED_NAMES, PolicyError, type SandboxPolicy } from "./policy.js";

export interface FsFacts {
  /** Writable roots that exist (others are skipped: nothing to bind). */
  writableRoots: string[];
  /** Existing protected paths (and gitdir targets) to bind read-only over themselves. */
  protectedExisting: string[];
  /** Missing protected names: mounted as empty read-only dirs so they cannot be created. */
  protectedMissing: string[];
  readOnly: string[];
  denyFiles: string[];
  denyDirs: string[];
  notes: string[];
}

const exists = (p: string) => {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
};

/** Whether `p` is `root` or lies below it (string prefix on path boundaries). */
export const under = (p: string, root: string) => p === root || p.startsWith(root.endsWith("/") ? root : `${root}/`);

/** The target of a `gitdir: X` pointer file, absolute. */
export function gitdirTarget(file: string): string | null {
  const m = /^gitdir:\s*(.+?)\s*$/m.exec(readFileSync(file, "utf8"));
  return m?.[1] ? resolve(dirname(file), m[1]) : null;
}

export function gatherFacts(p: SandboxPolicy): FsFacts {
  const f: FsFacts = { writableRoots: [], protectedExisting: [], protectedMissing: [], readOnly: [], denyFiles: [], denyDirs: [], notes: [] };
  for (const root of p.writableRoots) {
    if (!exists(root)) {
      f.notes.push(`writable root ${root} does not exist; skipped`);
      continue;
    }
    const real = realpathSync(root);
    if (real !== root) {
      throw new PolicyError(`writable root ${root} resolves through a symlink to ${real}; a write there would land outside the path you allowed. List the real path instead.`);
    }
    f.writableRoots.push(root);
  }
  for (const root of f.writableRoots) {
    for (const name of PROTECTED_NAMES) {
      const path = `${root}/${name}`;
      let st;
      try {
        st = lstatSync(path);
      } catch {
        // Only the workspace gets placeholders for missing names; a temp dir needs none.
        if (root === p.cwd) f.protectedMissing.push(path);
        continue;
      }
      if (st.isSymbolicLink()) {
        throw new PolicyError(`${path} is a symlink (to ${realpathSync.native(path)}); a protected path must be a real file or directory, or the sandbox could replace it`);
      }
      f.protectedExisting.push(path);
      if (st.isFile() && name === ".git") {
        const target = gitdirTarget(path);
        if (target && exists(target)) f.protectedExisting.push(realpathSync(target));
        else if (target) f.notes.push(`${path} points to ${target}, which does not exist`);
      }
    }
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
    let st;
    try {
      st = lstatSync(d);
    } catch {
      continue;
    }
    if (st.isSymbolicLink()) continue; // its target is in the set; binding onto the link would follow it anyway
    (statSync(d).isDirectory() ? f.denyDirs : f.denyFiles).push(d);
  }
  // A protected path inside a denied directory is already hidden; drop duplicates either way.
  f.protectedExisting = [...new Set(f.protectedExisting)].filter((x) => !f.denyDirs.some((dd) => under(x, dd)));
  return f;
}
