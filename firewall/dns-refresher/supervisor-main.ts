#!/usr/bin/env node
// Keeps the refresher daemon running: restarts it when it exits or crashes,
// with backoff (1 s doubling to 30 s, reset after a minute of good running).
// Its stdout/stderr are the refresher log; launch.ts starts it as the
// `cordon-dns` user with CAP_NET_ADMIN only, which the daemon inherits.
import { spawn, type ChildProcess } from "node:child_process";
import { dirname, join } from "node:path";
import { rotateIfLarge } from "./log-rotation.js";
import { firewallPaths } from "../paths.js";
import { EXIT_CONFIG } from "./refresher-status.js";
import { DAEMON_ENV, daemonNodeArgs } from "./daemon-runtime.js";

const { log: LOG_FILE } = firewallPaths();

const HEALTHY_RUN_MS = 60_000;
const daemon = join(dirname(process.argv[1] as string), "daemon-main.js");
const log = (line: string) => process.stderr.write(`${new Date().toISOString()} supervisor[${process.pid}]: ${line}\n`);

let child: ChildProcess | null = null;
let stopping = false;
let restarts = 0;
let backoffMs = 1000;

function start(): void {
  const started = Date.now();
  // A small heap: V8 otherwise lets a long-running daemon's RSS drift up to
  // well over 100 MB of garbage before collecting.
  child = spawn(
    process.execPath,
    [...daemonNodeArgs(process.env.CORDON_DNS_FORWARDER === "1"), daemon, ...process.argv.slice(2)],
    {
      stdio: ["ignore", "inherit", "inherit"],
      env: { ...process.env, ...DAEMON_ENV, CORDON_REFRESHER_RESTARTS: String(restarts) },
    },
  );
  child.on("exit", (code, signal) => {
    child = null;
    if (stopping) process.exit(0);
    if (code === EXIT_CONFIG) {
      log("the refresher stopped on a configuration problem (see above); not restarting");
      process.exit(1);
    }
    if (Date.now() - started >= HEALTHY_RUN_MS) backoffMs = 1000;
    log(`refresher exited (${signal ?? `status ${String(code)}`}); restarting in ${backoffMs / 1000} s`);
    setTimeout(() => {
      restarts++;
      start();
    }, backoffMs);
    backoffMs = Math.min(backoffMs * 2, 30_000);
  });
}

for (const sig of ["SIGTERM", "SIGINT"] as const) {
  process.on(sig, () => {
    stopping = true;
    if (child) child.kill("SIGTERM");
    else process.exit(0);
  });
}
// Address changes of a busy allowlist add up; keep the log bounded.
setInterval(() => {
  if (rotateIfLarge(LOG_FILE)) log(`log rotated: the previous ${LOG_FILE} is ${LOG_FILE}.1`);
}, 60_000);
log(`supervising ${daemon}`);
start();
