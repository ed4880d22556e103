// Unix sockets of processes outside the sandbox (ssh-agent, Docker's socket,
// D-Bus, cordon's own daemons). A new network namespace hides abstract
// sockets but not socket files: connect() on a path works through a
// read-only mount. So each one found is masked with /dev/null. With the
// network off every such socket is masked; with it on, only the ones that
// hand out more power than network access (container engines, key agents).
// Effectful (reads /proc/net/unix and a few directories).
import { lstatSync, readdirSync, readFileSync, realpathSync } from "node:fs";
import { basename } from "node:path";

/** Directories scanned for socket files, besides what /proc/net/unix lists. */
const SCAN_DIRS = ["/run", "/var/run", "/tmp", "/dev/shm", "/var/tmp"];
const SCAN_DEPTH = 4;
const SCAN_MAX_ENTRIES = 20_000;

const POWERFUL = /^(docker|containerd|podman|buildkitd|cri-dockerd|crio|libvirt-sock|S\.gpg-agent.*|agent\.\d+|ssh-agent.*|bus|system_bus_socket)$/;

/** Paths of bound pathname sockets in /proc/net/unix (this network namespace's listeners). */
export function parseProcNetUnix(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split("\n").slice(1)) {
    const cols = line.trim().split(/\s+/);
    const path = cols[7];
    if (path?.startsWith("/")) out.push(path);
  }
  return out;
}

/** Whether a socket is dangerous enough to mask even when the sandbox has the network. */
export function isPowerfulSocket(path: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const name = basename(path).replace(/\.sock$/, "");
  return POWERFUL.test(name) || path === env.SSH_AUTH_SOCK || path.startsWith("/run/cordon/") || /\/ssh-[^/]+\/agent\./.test(path);
}

function scan(dir: string, level: number, out: Set<string>, budget: { left: number }): void {
  if (level > SCAN_DEPTH || budget.left <= 0) return;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return; // unreadable: nothing there we could connect to by that path either
  }
  for (const e of entries) {
    if (--budget.left <= 0) return;
    const abs = `${dir}/${e.name}`;
    if (e.isSocket()) out.add(abs);
    else if (e.isDirectory()) scan(abs, level + 1, out, budget);
  }
}

export function outsideSockets(o: { network: boolean; env?: NodeJS.ProcessEnv }): string[] {
  const env = o.env ?? process.env;
  const found = new Set<string>();
  try {
    for (const p of parseProcNetUnix(readFileSync("/proc/net/unix", "utf8"))) {
      // Only existing socket files can be masked (a listed path may have been unlinked).
      try {
        if (lstatSync(p).isSocket()) found.add(p);
      } catch {
        // gone
      }
    }
  } catch {
    // no procfs: the directory scan still runs
  }
  const dirs = [...SCAN_DIRS, env.XDG_RUNTIME_DIR, env.SSH_AUTH_SOCK ? env.SSH_AUTH_SOCK.replace(/\/[^/]*$/, "") : undefined].filter((d): d is string => Boolean(d));
  const budget = { left: SCAN_MAX_ENTRIES };
  for (const d of new Set(dirs)) scan(d, 1, found, budget);
  // bwrap mounts onto real paths only (/var/run is usually a link to /run).
  const sockets = [...new Set([...found].flatMap((p) => {
    try {
      return [realpathSync(p)];
    } catch {
      return [];
    }
  }))];
  return (o.network ? sockets.filter((s) => isPowerfulSocket(s, env)) : sockets).sort();
}
