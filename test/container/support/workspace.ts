import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";

export const REPO_ROOT = new URL("../../../", import.meta.url).pathname.replace(/\/$/, "");
const SKIP = new Set(["node_modules", "dist", ".git", ".cache"]);

/**
 * A throwaway git workspace holding a copy of this repository, the way a team
 * opens it, owned by the container user's uid (1000): the tests run as root,
 * and devcontainer's updateRemoteUserUID leaves uid 1000 alone for root.
 */
export async function makeWorkspace(name: string): Promise<{ path: string; dispose: () => void }> {
  const base = mkdtempSync(join(tmpdir(), "cordon-ws-"));
  const path = join(base, name);
  cpSync(REPO_ROOT, path, {
    recursive: true,
    filter: (src) => !SKIP.has(src.slice(REPO_ROOT.length + 1).split("/")[0] ?? ""),
  });
  const git = (args: string[]) => execa("git", ["-C", path, ...args]);
  await git(["init", "-q", "-b", "main"]);
  await git(["-c", "user.email=t@cordon.test", "-c", "user.name=t", "add", "-A"]);
  await git(["-c", "user.email=t@cordon.test", "-c", "user.name=t", "commit", "-q", "-m", "workspace"]);
  await execa("chown", ["-R", "1000:1000", path]);
  return { path, dispose: () => rmSync(base, { recursive: true, force: true }) };
}
