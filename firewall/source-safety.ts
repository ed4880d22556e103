// The allowlist the bring-up enforces must not be writable by the agent user,
// or the agent could widen its own firewall before the next start. A file is
// safe when it and every parent directory are root-owned and not group- or
// world-writable, or when it sits on a read-only mount.
import { readFileSync, statSync } from "node:fs";
import { dirname } from "node:path";

function readOnlyMountPoints(): string[] {
  try {
    return readFileSync("/proc/self/mountinfo", "utf8")
      .split("\n")
      .map((l) => l.split(" "))
      .filter((f) => f.length > 5 && (f[5] ?? "").split(",").includes("ro"))
      .map((f) => (f[4] ?? "").replace(/\\040/g, " "));
  } catch {
    return [];
  }
}

/** Why `file` could be changed by a non-root user, or null when it can't. */
export function unsafeSourceReason(file: string): string | null {
  const ro = readOnlyMountPoints();
  let p = file;
  for (;;) {
    if (ro.includes(p)) return null;
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
    if (p === "/") return null;
    p = dirname(p);
  }
}
