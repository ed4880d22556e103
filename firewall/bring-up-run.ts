// The bring-up's run: `bring-up-main.cjs --allowlist FILE` (a loader scripts/bundle.mjs writes) runs this file.
// Stops a running DNS refresher, brings the firewall up, then starts the
// refresher (supervised, as the cordon-dns user) when the allowlist wants it.
import { dirname } from "node:path";
import { BringUpError, bringUp } from "./bring-up.js";
import { startRefresher, stopRefresher } from "./dns-refresher/launch.js";
import { firewallPaths } from "./paths.js";
import { readState, type FirewallState } from "./bringup-state.js";
import { switchResolvConf } from "./dns-forwarder/resolv-switch.js";
import { readStatus } from "./dns-refresher/refresher-status.js";
import { sleep } from "../common/sleep.js";
import { firewallPipeline, telemetryVariables } from "./firewall-telemetry.js";
import { bringUpRecords } from "./telemetry-records.js";

const args = process.argv.slice(2);
const i = args.indexOf("--allowlist");
const file = i >= 0 ? args[i + 1] : undefined;
if (!file) {
  process.stderr.write("usage: bring-up-main.cjs --allowlist FILE\n");
  process.exit(2);
}
const log = (line: string) => process.stderr.write(`init-firewall: ${line}\n`);

/**
 * The bring-up's outcome to the allowlist's [telemetry] collector, if any; bounded, never fatal.
 * A failed bring-up returns no state: it is read back from what the failure wrote.
 */
async function report(startedAt: number, done: FirewallState | undefined): Promise<void> {
  try {
    const state = done ?? readState();
    const p = await firewallPipeline(state, log);
    if (!p || !state) return;
    const r = bringUpRecords(state, Date.now() - startedAt);
    r.logs.forEach((l) => p.log(l));
    r.metrics.forEach((m) => p.point(m));
    await p.shutdown(3000);
  } catch (e) {
    log(`telemetry: ${(e as Error).message}`);
  }
}

async function main(): Promise<void> {
  await stopRefresher(log);
  const startedAt = Date.now();
  let state: FirewallState | undefined;
  try {
    state = await bringUp({ allowlistFile: file as string, log });
  } finally {
    await report(startedAt, state);
  }
  if (state.refresherEnabled === false) {
    log(
      "DNS refresher disabled by the allowlist ([refresher] enabled = false): addresses expire at their TTL + grace and are not renewed until the next 'sudo init-firewall.sh'",
    );
    if (!state.forwarder) return;
  }
  const since = Date.now();
  const pid = await startRefresher(
    dirname(process.argv[1] as string),
    [],
    telemetryVariables(state),
    Boolean(state.forwarder),
  );
  log(
    `DNS ${state.forwarder ? "forwarder and refresher" : "refresher"} started (supervisor pid ${pid}, user cordon-dns, CAP_NET_ADMIN${state.forwarder ? " + NET_BIND_SERVICE" : ""} only); log: ${firewallPaths().log}; status: cordon firewall status`,
  );
  if (state.forwarder) await useForwarder(state.forwarder.listen, since);
}

/** Once the forwarder answers, resolv.conf points at it. Until then only root's DNS gets out. */
async function useForwarder(listen: string, since: number): Promise<void> {
  for (let i = 0; i < 2500; i++) {
    const s = readStatus();
    // This run's daemon (started after `since`), not a status file an earlier one left behind.
    if (s?.forwarder?.listening && Date.parse(s.startedAt) >= since) {
      switchResolvConf("/etc/resolv.conf", firewallPaths().resolvUpstream, listen);
      log(
        `DNS forwarder answering on ${listen}:53; /etc/resolv.conf points at it (the original: ${firewallPaths().resolvUpstream})`,
      );
      return;
    }
    await sleep(2);
  }
  throw new Error(
    `the DNS forwarder did not start within 5 s (log: ${firewallPaths().log}); DNS stays blocked for every process but root`,
  );
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    if (e instanceof BringUpError)
      log(
        `FAILED: ${e.message}\ninit-firewall: all egress stays blocked (deny-all). Fix the cause above and run 'sudo init-firewall.sh' again.`,
      );
    else
      log(
        `FAILED: ${(e as Error).message}\ninit-firewall: allowed addresses are not renewed and expire at their TTL; run 'sudo init-firewall.sh' again once fixed.`,
      );
    process.exit(1);
  },
);
