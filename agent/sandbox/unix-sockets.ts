// Unix sockets of processes outside the sandbox (ssh-agent, Docker's socket,
// D-Bus, cordon's own daemons). A new network namespace hides abstract
// sockets but not socket files: connect() on a path works through a
// read-only mount. So each one found is masked with /dev/null. With the
// network off every such socket is masked; with it on, only the ones that
// hand out more power than network access (container engines, key agents).
// Effectful (reads /proc/net/unix and a few directories).
import { lstatSync, readFileSync, realpathSync } from "node:fs";
import { basename } from "node:path";
import { listFolder } from "./folder-listings.js";

/**
 * /proc/net/unix lists every listener in this network namespace. Sockets
 * bound elsewhere and mounted in (a Docker socket given to a container) are
 * not there, so the usual places are looked at too, and /run and /tmp are
 * scanned shallowly (/tmp/ssh-XXXX/agent.N is two levels down). Kept cheap:
 * this runs before every command, on the remembered folder listings the
 * `.git` scan uses too (a new socket file moves its folder's ctime).
 */
const SCAN_DIRS: [string, number][] = [
  ["/run", 2],
  ["/tmp", 2],
  ["/dev/shm", 1],
];
/** Directories shared by many programs: a socket there is masked alone, never the directory. */
export const SHARED_SOCKET_DIRS = [
  "/",
  "/run",
  "/var/run",
  "/run/user",
  "/tmp",
  "/var/tmp",
  "/dev/shm",
  "/dev",
  "/home",
  "/root",
];
const WELL_KNOWN = [
  "/run/docker.sock",
  "/var/run/docker.sock",
  "/run/containerd/containerd.sock",
  "/run/podman/podman.sock",
  "/run/buildkit/buildkitd.sock",
  "/run/crio/crio.sock",
  "/run/dbus/system_bus_socket",
  "/run/libvirt/libvirt-sock",
  "/run/cordon/refresher.sock",
  "/run/cordon/forwarder.sock",
];
const RUNTIME_DIR_KNOWN = [
  "bus",
  "docker.sock",
  "podman/podman.sock",
  "gnupg/S.gpg-agent",
  "gnupg/S.gpg-agent.ssh",
  "gnupg/S.gpg-agent.extra",
  "keyring/ssh",
  "gcr/ssh",
];
const SCAN_MAX_ENTRIES = 20_000;

const POWERFUL =
  /^(docker|containerd|podman|buildkitd|cri-dockerd|crio|libvirt-sock|S\.gpg-agent.*|agent\.\d+|ssh-agent.*|bus|system_bus_socket)$/;

const isSocket = (p: string) => {
  try {
    return lstatSync(p, { throwIfNoEntry: false })?.isSocket() ?? false;
  } catch {
    return false; // EACCES, ENOTDIR: not a socket this user could connect to by that path
  }
};

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
  return (
    POWERFUL.test(name) ||
    path === env.SSH_AUTH_SOCK ||
    path.startsWith("/run/cordon/") ||
    /\/ssh-[^/]+\/agent\./.test(path)
  );
}

function scan(dir: string, level: number, maxDepth: number, out: Set<string>, budget: { left: number }): void {
  if (level > maxDepth || budget.left <= 0) return;
  const l = listFolder(dir);
  if (!l) return; // unreadable: nothing there we could connect to by that path either
  budget.left -= l.entries;
  for (const name of l.sockets) out.add(`${dir}/${name}`);
  for (const name of l.items) if (budget.left > 0) scan(`${dir}/${name}`, level + 1, maxDepth, out, budget);
}

export function outsideSockets(o: { network: boolean; env?: NodeJS.ProcessEnv }): string[] {
  const env = o.env ?? process.env;
  const found = new Set<string>();
  try {
    for (const p of parseProcNetUnix(readFileSync("/proc/net/unix", "utf8"))) {
      // Only existing socket files can be masked (a listed path may have been unlinked).
      if (isSocket(p)) found.add(p);
    }
  } catch {
    // no procfs: the directory scan still runs
  }
  const known = [
    ...WELL_KNOWN,
    ...(env.XDG_RUNTIME_DIR ? RUNTIME_DIR_KNOWN.map((n) => `${env.XDG_RUNTIME_DIR}/${n}`) : []),
  ];
  for (const p of known) if (isSocket(p)) found.add(p);
  const dirs: [string, number][] = [...SCAN_DIRS];
  if (env.XDG_RUNTIME_DIR) dirs.push([env.XDG_RUNTIME_DIR, 1]);
  if (env.SSH_AUTH_SOCK) dirs.push([env.SSH_AUTH_SOCK.replace(/\/[^/]*$/, "") || "/", 1]);
  const budget = { left: SCAN_MAX_ENTRIES };
  for (const [d, depth] of dirs) scan(d, 1, depth, found, budget);
  // bwrap mounts onto real paths only (/var/run is usually a link to /run).
  const sockets = [
    ...new Set(
      [...found].flatMap((p) => {
        try {
          return [realpathSync(p)];
        } catch {
          return [];
        }
      }),
    ),
  ];
  return (o.network ? sockets.filter((s) => isPowerfulSocket(s, env)) : sockets).sort();
}
