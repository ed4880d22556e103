// Starting and stopping the refresher from the (root) bring-up. The
// supervisor runs as the `cordon-dns` system user with only CAP_NET_ADMIN
// (setpriv from util-linux), in its own session and process group, so the
// agent user can neither signal nor trace it, and a re-run of init-firewall.sh
// replaces it cleanly.
import { spawn, spawnSync } from "node:child_process";
import { chownSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, chmodSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { firewallPaths } from "../paths.js";
import { REFRESHER_USER } from "./refresher-status.js";
import { sleep } from "../../common/sleep.js";

function running(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("supervisor-main");
  } catch {
    return false;
  }
}

/** Stops a running supervisor (and its daemon) if there is one; bounded wait. */
export async function stopRefresher(log: (l: string) => void): Promise<void> {
  let pid: number;
  try {
    pid = Number(readFileSync(firewallPaths().supervisorPid, "utf8").trim());
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 1 || !running(pid)) return;
  process.kill(pid, "SIGTERM");
  for (let i = 0; i < 1500 && running(pid); i++) await sleep(2);
  if (running(pid)) {
    log(`refresher supervisor ${pid} did not stop in 3 s; killing its process group`);
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      /* already gone */
    }
  }
}

/** uid and gid of a local system user from /etc/passwd (where useradd --system puts it); `id` for any other. */
function systemUser(name: string): { uid: number; gid: number } | null {
  try {
    for (const line of readFileSync("/etc/passwd", "utf8").split("\n")) {
      const [user, , uid, gid] = line.split(":");
      if (user === name && uid && gid) return { uid: Number(uid), gid: Number(gid) };
    }
  } catch {
    // no /etc/passwd: ask id below
  }
  const uid = spawnSync("id", ["-u", name], { encoding: "utf8" });
  const gid = spawnSync("id", ["-g", name], { encoding: "utf8" });
  if (uid.status !== 0 || gid.status !== 0) return null;
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** uid and gid of REFRESHER_USER (the refresher and the DNS forwarder run as it); throws with a fix when it is missing. */
function refresherUser(): { uid: number; gid: number } {
  const u = systemUser(REFRESHER_USER);
  if (!u)
    throw new Error(
      `system user ${REFRESHER_USER} does not exist; the image creates it (useradd --system ${REFRESHER_USER}). The refresher runs as that user, never as root.`,
    );
  return u;
}

export const refresherUid = (): number => refresherUser().uid;

/**
 * Starts the supervisor as REFRESHER_USER; returns its pid once it announced itself. Throws with a
 * fix when that user is missing. `env`: added to the supervisor's environment (the telemetry
 * header variables; readable by its user only).
 */
export async function startRefresher(
  bundleFirewallDir: string,
  args: string[],
  env: Record<string, string> = {},
  /** The DNS forwarder runs in the daemon: it also needs to bind port 53. */
  forwarder = false,
): Promise<number> {
  // net_bind_service only for the forwarder (Docker usually opens low ports to everyone in a
  // container, but other runtimes do not).
  const caps = forwarder ? "net_admin,+net_bind_service" : "net_admin";
  const { uid, gid: g } = refresherUser();
  mkdirSync(firewallPaths().refresherDir, { recursive: true, mode: 0o755 });
  chownSync(firewallPaths().refresherDir, uid, g);
  chmodSync(firewallPaths().refresherDir, 0o755);
  // The refresher's own log directory: it rotates the log there; everyone may read it.
  mkdirSync(dirname(firewallPaths().log), { recursive: true, mode: 0o755 });
  chownSync(dirname(firewallPaths().log), uid, g);
  const fd = openSync(firewallPaths().log, "a", 0o644);
  chownSync(firewallPaths().log, uid, g);
  chmodSync(firewallPaths().log, 0o644);
  const supervisor = join(bundleFirewallDir, "dns-refresher", "supervisor-main.js");
  if (!existsSync(supervisor)) throw new Error(`refresher supervisor not found at ${supervisor}`);
  const child = spawn(
    "setpriv",
    [
      `--reuid=${uid}`,
      `--regid=${g}`,
      "--clear-groups",
      `--inh-caps=-all,+${caps}`,
      `--ambient-caps=-all,+${caps}`,
      `--bounding-set=-all,+${caps}`,
      "--no-new-privs",
      "--",
      process.execPath,
      supervisor,
      ...args,
    ],
    {
      detached: true,
      stdio: ["ignore", fd, fd],
      cwd: "/",
      env: { ...process.env, ...env, ...(forwarder ? { CORDON_DNS_FORWARDER: "1" } : {}) },
    },
  );
  closeSync(fd);
  const pid = child.pid;
  child.unref();
  if (!pid) throw new Error("could not start the refresher supervisor (setpriv from util-linux is needed)");
  // Bounded wait (3 s) until setpriv has dropped to the user and capabilities and started Node on
  // the supervisor (a failure there exits setpriv); the pid is then recorded by root, in a place
  // only root can write, for the next bring-up to stop it.
  for (let i = 0; i < 1500; i++) {
    if (running(pid)) {
      writeFileSync(firewallPaths().supervisorPid, `${pid}\n`, { mode: 0o644 });
      return pid;
    }
    if (child.exitCode !== null) break;
    await sleep(2);
  }
  throw new Error(`the refresher supervisor did not start (see ${firewallPaths().log})`);
}
