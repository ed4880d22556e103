// The nested `.git` scan's memory of folder listings, on a real filesystem:
// it finds what a full walk finds, reads again exactly the folders that
// changed, and a sandboxed command that adds a repository and then sets the
// folder's times back (utimes) cannot keep it from the next scan.
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { forgetListings, listingStats as gitScanStats } from "../../agent/sandbox/folder-listings.js";
import { nestedGitEntries } from "../../agent/sandbox/git-scan.js";
import { walkTree } from "../../common/walk-tree.js";
import { setTimesBack, settleFolders } from "../support/folder-times.js";

const base = mkdtempSync(join(tmpdir(), "cordon-git-scan-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));
beforeEach(() => {
  forgetListings();
  gitScanStats.listed = 0;
  gitScanStats.reused = 0;
});

/** The scan as it was before the memory: a plain walk. */
function fullWalk(root: string, maxDepth: number): string[] {
  const out: string[] = [];
  walkTree(root, {
    maxDepth,
    maxEntries: 100_000,
    visit: (e) => {
      if (e.dirent.name === ".git" && e.level > 1) out.push(e.path);
    },
    enter: (e) => e.dirent.isDirectory() && e.dirent.name !== ".git" && e.dirent.name !== "node_modules",
  });
  return out;
}

function tree(root: string): void {
  for (const d of ["a/b/c", "a/wt", "d/.git/hooks", "node_modules/x/.git", "e"])
    mkdirSync(join(root, d), { recursive: true });
  writeFileSync(join(root, "a/wt/.git"), "gitdir: /somewhere/.git/worktrees/wt\n");
  writeFileSync(join(root, "e/file"), "x");
  mkdirSync(join(root, ".git"));
}

describe("nested .git scan with remembered listings", () => {
  it("finds what a full walk finds, and the second scan reads no settled folder again", async () => {
    const root = join(base, "same");
    tree(root);
    await settleFolders(); // past the second within which a folder is not remembered
    const first = nestedGitEntries(root, 6, 100_000);
    expect(first).toEqual({ found: fullWalk(root, 6), complete: true });
    expect(first.found.sort()).toEqual([join(root, "a/wt/.git"), join(root, "d/.git")]);
    const listed = gitScanStats.listed;
    expect(nestedGitEntries(root, 6, 100_000)).toEqual(first);
    expect({ listedAgain: gitScanStats.listed - listed, reused: gitScanStats.reused }).toEqual({
      listedAgain: 0,
      reused: listed,
    });
  });

  it("sees a repository added deep down even when the folder's times are set back afterwards", async () => {
    const root = join(base, "forged");
    tree(root);
    await settleFolders();
    expect(nestedGitEntries(root, 6, 100_000).found).toHaveLength(2);
    const dir = join(root, "a/b/c");
    const before = statSync(dir, { bigint: true });
    mkdirSync(join(dir, "planted/.git"), { recursive: true });
    // The attacker's move: both times exactly as they were, to the nanosecond.
    setTimesBack(dir, before);
    expect(statSync(dir, { bigint: true }).mtimeNs).toBe(before.mtimeNs);
    const listed = gitScanStats.listed;
    const again = nestedGitEntries(root, 6, 100_000);
    expect(again).toEqual({ found: fullWalk(root, 6), complete: true });
    expect(again.found).toContain(join(dir, "planted/.git"));
    // Only the changed folder and the new one below it were read again.
    expect(gitScanStats.listed - listed).toBe(2);
  });

  it("does not remember a folder that changed within the last second, and stops at the entry budget", () => {
    const root = join(base, "fresh");
    tree(root);
    nestedGitEntries(root, 6, 100_000);
    const listed = gitScanStats.listed;
    nestedGitEntries(root, 6, 100_000);
    expect(gitScanStats.listed - listed).toBe(listed); // every folder read again: all are new
    expect(nestedGitEntries(root, 6, 3)).toEqual({ found: [], complete: false });
  });
});
