// What this host or container lets bubblewrap do, found by trying it (a
// start-up probe with a short timeout), with the known failure texts mapped to
// the exact fix. Effectful; cached per process.
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { spawn } from "node:child_process";
import { join } from "node:path";

/** Runs a short probe; node:child_process rather than execa keeps start-up light. */
function run(
  file: string,
  args: string[],
  timeout: number,
): Promise<{ exitCode: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const c = spawn(file, args, { stdio: ["ignore", "pipe", "pipe"], timeout });
    let stdout = "";
    let stderr = "";
    c.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    c.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    c.on("error", (e) => resolve({ exitCode: -1, stdout, stderr: e.message }));
    c.on("close", (code) => resolve({ exitCode: code, stdout, stderr }));
  });
}

export interface SandboxSupport {
  bwrapPath: string | null;
  bwrapVersion: string | null;
  userNamespaces: boolean;
  procMount: boolean;
  /** Why the sandbox cannot start, with the fix; null when it can. */
  problem: string | null;
}

const FIXES: [RegExp, string][] = [
  [
    /No permissions to create new? namespace|setting up uid map: Permission denied|Operation not permitted.*namespace|unshare.*Operation not permitted/i,
    "user namespaces are blocked. In Docker: run the container with cordon's seccomp profile (--security-opt seccomp=.devcontainer/seccomp/seccomp-bwrap.json, as the nested-sandbox configuration does) and, on Ubuntu hosts, --security-opt apparmor=unconfined. On a host: sysctl -w kernel.unprivileged_userns_clone=1 (Debian) or kernel.apparmor_restrict_unprivileged_userns=0 (Ubuntu 24.04), and user.max_user_namespaces > 0.",
  ],
  [
    /Failed to make \/ slave|Permission denied.*mount/i,
    "AppArmor blocks bwrap's mounts: run the container with --security-opt apparmor=unconfined (Ubuntu hosts' docker-default profile).",
  ],
  [
    /loopback: Failed RTM_NEWADDR/i,
    "the kernel refused to set up loopback in a new network namespace; run the container with cordon's seccomp profile or check net.* sysctls.",
  ],
];

export function fixFor(stderr: string): string {
  for (const [re, fix] of FIXES) if (re.test(stderr)) return fix;
  return `bwrap failed: ${stderr.trim() || "no message"}`;
}

let cached: SandboxSupport | undefined;
let cachedFast: SandboxSupport | undefined;

function bwrapPath(): string | null {
  return ["/usr/bin/bwrap", "/usr/local/bin/bwrap"].find((p) => existsSync(p)) ?? null;
}

const BASE = ["--unshare-user", "--unshare-net", "--ro-bind", "/", "/"];

/**
 * What makes a probe's answer still true: the same bwrap binary, the same boot
 * of the kernel, the same user and mount namespaces (a new container or a
 * changed sandbox means new ones), the same uid and seccomp mode.
 */
export function probeKey(bwrap: string): string | null {
  try {
    const st = statSync(bwrap);
    return JSON.stringify([
      bwrap,
      st.ino,
      st.size,
      st.mtimeMs,
      readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim(),
      readlinkSync("/proc/self/ns/user"),
      readlinkSync("/proc/self/ns/mnt"),
      process.getuid?.() ?? -1,
      seccompMode(),
    ]);
  } catch {
    return null; // not Linux as expected: no cache
  }
}

/**
 * The launch probe's last good answer is kept in cordon's home, which no
 * sandboxed command can read or write: a command cannot make the next launch
 * believe a fresh /proc is unavailable (or anything else).
 */
function cacheFile(cordonHome: string): string {
  return join(cordonHome, "cache", "sandbox-probe.json");
}

function readCache(cordonHome: string, key: string): SandboxSupport | null {
  try {
    const j = JSON.parse(readFileSync(cacheFile(cordonHome), "utf8")) as { key?: string; support?: SandboxSupport };
    return j.key === key && j.support ? j.support : null;
  } catch {
    return null;
  }
}

function writeCache(cordonHome: string, key: string, support: SandboxSupport): void {
  try {
    const file = cacheFile(cordonHome);
    mkdirSync(join(cordonHome, "cache"), { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}`;
    writeFileSync(tmp, JSON.stringify({ key, support }), { mode: 0o600 });
    renameSync(tmp, file);
  } catch {
    // an unwritable home only costs the next launch a probe
  }
}

/** Forgets the cached answer (a launch failed in a way the probe should look at again). */
export function forgetLaunchProbe(cordonHome: string): void {
  cachedFast = undefined;
  cached = undefined;
  rmSync(cacheFile(cordonHome), { force: true });
}

/**
 * What a launch needs to know. With a cached good answer for this very
 * environment (probeKey), nothing is started: the launch itself is the test,
 * and a failure there brings the probe back (forgetLaunchProbe). Otherwise one
 * bwrap start where everything works: user namespaces and a fresh /proc are
 * tried together, and only when that fails are they told apart (and the
 * failure diagnosed). No version probe.
 */
export async function probeForLaunch(cordonHome?: string): Promise<SandboxSupport & { fromCache?: boolean }> {
  if (cachedFast) return cachedFast;
  if (cached) return cached;
  const path = bwrapPath();
  if (!path) return probeSandbox();
  const key = cordonHome ? probeKey(path) : null;
  const hit = key && cordonHome ? readCache(cordonHome, key) : null;
  if (hit?.bwrapPath === path && hit.userNamespaces && hit.problem === null) {
    cachedFast = { ...hit, fromCache: true } as SandboxSupport;
    return cachedFast;
  }
  const both = await run(path, [...BASE, "--unshare-pid", "--proc", "/proc", "true"], 2000);
  if (both.exitCode !== 0) {
    const full = await probeSandbox();
    if (key && cordonHome && full.userNamespaces && full.problem === null) writeCache(cordonHome, key, full);
    return full;
  }
  cachedFast = { bwrapPath: path, bwrapVersion: null, userNamespaces: true, procMount: true, problem: null };
  if (key && cordonHome) writeCache(cordonHome, key, cachedFast);
  return cachedFast;
}

/** Everything, for doctor and for diagnosing a failure: version, user namespaces, fresh /proc, with the fix. */
export async function probeSandbox(): Promise<SandboxSupport> {
  if (cached) return cached;
  const path = bwrapPath();
  if (!path) {
    cached = {
      bwrapPath: path,
      bwrapVersion: null,
      userNamespaces: false,
      procMount: false,
      problem: "bubblewrap is not installed: apt-get install bubblewrap",
    };
    return cached;
  }
  // The three probes are independent: run them at once.
  const [version, ns, proc] = await Promise.all([
    run(path, ["--version"], 2000),
    run(path, [...BASE, "true"], 2000),
    run(path, [...BASE, "--unshare-pid", "--proc", "/proc", "true"], 2000),
  ]);
  cached = {
    bwrapPath: path,
    bwrapVersion: version.stdout.trim().replace(/^bubblewrap\s+/, "") || null,
    userNamespaces: ns.exitCode === 0,
    procMount: ns.exitCode === 0 && proc.exitCode === 0,
    problem: ns.exitCode === 0 ? null : fixFor(ns.stderr),
  };
  return cached;
}

export function seccompMode(): string {
  const m = /^Seccomp:\s+(\d)/m.exec(readFileSync("/proc/self/status", "utf8"));
  return m?.[1] === "2" ? "filter" : m?.[1] === "1" ? "strict" : "none";
}
