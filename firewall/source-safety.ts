// The allowlist the bring-up enforces must not be writable by the agent user,
// or the agent could widen its own firewall before the next start. A file is
// safe when it and every parent directory are root-owned and not group- or
// world-writable, or when it sits on a read-only mount.
import { readFileSync, statSync } from "node:fs";
import { dirname } from "node:path";

/** Mount points with whether each is read-only, in mount order (a later one covers an earlier one). */
function mounts(): { point: string; ro: boolean }[] {
  try {
    return readFileSync("/proc/self/mountinfo", "utf8")
      .split("\n")
      .map((l) => l.split(" "))
      .filter((f) => f.length > 5)
      .map((f) => ({ point: (f[4] ?? "").replace(/\\040/g, " "), ro: (f[5] ?? "").split(",").includes("ro") }));
  } catch {
    return [];
  }
}

/** Whether the filesystem holding `p` is mounted read-only (the deepest, topmost mount containing it). */
function onReadOnlyMount(p: string, table: { point: string; ro: boolean }[]): boolean {
  let best: { point: string; ro: boolean } | undefined;
  for (const m of table) {
    const inside = m.point === "/" || p === m.point || p.startsWith(`${m.point}/`);
    if (inside && (!best || m.point.length >= best.point.length)) best = m;
  }
  return best?.ro ?? false;
}

/**
 * Why `file` could be changed by a non-root user, or null when it can't. Each
 * path component, the file up to /, must be unchangeable: on a read-only mount,
 * or root-owned and not group- or world-writable (a sticky directory is fine
 * above the file's own). Components above a read-only mount are checked too:
 * whoever could rename one could put another tree in its place.
 */
export function unsafeSourceReason(file: string): string | null {
  const table = mounts();
  let p = file;
  for (;;) {
    if (!onReadOnlyMount(p, table)) {
      let st;
      try {
        st = statSync(p);
      } catch (e) {
        return `cannot inspect ${p}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`;
      }
      if (st.uid !== 0) return `${p} is owned by uid ${st.uid}, not root`;
      if ((st.mode & 0o022) !== 0 && !(st.isDirectory() && (st.mode & 0o1000) !== 0 && p !== dirname(file))) {
        return `${p} is writable by group or others (mode ${(st.mode & 0o7777).toString(8)})`;
      }
    }
    if (p === "/") return null;
    p = dirname(p);
  }
}
