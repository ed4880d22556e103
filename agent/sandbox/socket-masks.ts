// How to mask the Unix sockets found outside the sandbox with the fewest
// mounts: bwrap's bind mounts are the expensive kind (each one re-reads the
// mount table), so a socket in its own directory outside every writable root
// (/run/docker/containerd/, /tmp/ssh-XXXX/ is not: /tmp is a root) hides
// behind one empty tmpfs over that directory; a socket in a shared directory
// (/run, /tmp, the workspace) gets /dev/null bound over it. Pure.
import { isWithin } from "../../common/paths.js";

const parentOf = (p: string) => p.slice(0, p.lastIndexOf("/")) || "/";

export interface SocketMasks {
  /** Directories to cover with an empty, unreadable tmpfs. */
  dirs: string[];
  /** Sockets to cover with /dev/null. */
  files: string[];
}

/**
 * @param sockets  real paths of the sockets to mask
 * @param writableRoots  nothing inside these is hidden wholesale
 * @param keep  paths the sandbox needs (cwd, the node binary, cordon's entry): no masked directory may contain one
 * @param shared  directories never masked wholesale (/run, /tmp, $XDG_RUNTIME_DIR, ...)
 */
export function planSocketMasks(
  sockets: string[],
  writableRoots: string[],
  keep: string[],
  shared: string[],
): SocketMasks {
  const dirs = new Set<string>();
  const files: string[] = [];
  for (const s of [...new Set(sockets)].sort()) {
    const dir = parentOf(s);
    const groupable =
      dir.split("/").filter(Boolean).length >= 2 &&
      !shared.includes(dir) &&
      !writableRoots.some((r) => isWithin(dir, r) || isWithin(r, dir)) &&
      !keep.some((k) => isWithin(k, dir));
    if (groupable) dirs.add(dir);
    else files.push(s);
  }
  // A directory inside another masked one is already hidden.
  const top = [...dirs].filter((d) => ![...dirs].some((o) => o !== d && isWithin(d, o)));
  return { dirs: top.sort(), files: files.filter((f) => !top.some((d) => isWithin(f, d))) };
}
