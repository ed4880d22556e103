// Where the firewall's runtime files live. Read from the environment when
// asked, not when a module is imported, so tests and tools pass their own.

export interface FirewallPaths {
  /** The bring-up's state (root-written; the refresher reads it). */
  state: string;
  refresherDir: string;
  /** The refresher's heartbeat and counters. */
  status: string;
  /** Written by the (root) bring-up, in a root-owned directory: root signals the pid it reads there. */
  supervisorPid: string;
  log: string;
  /** The container's resolv.conf before the forwarder took it over (its upstream servers). */
  resolvUpstream: string;
}

export function firewallPaths(env: NodeJS.ProcessEnv = process.env): FirewallPaths {
  const refresherDir = env.CORDON_REFRESHER_DIR ?? "/run/cordon/refresher";
  return {
    state: env.CORDON_FIREWALL_STATE ?? "/run/cordon/firewall-state.json",
    refresherDir,
    status: `${refresherDir}/status.json`,
    supervisorPid: env.CORDON_SUPERVISOR_PID ?? "/run/cordon/refresher-supervisor.pid",
    log: env.CORDON_REFRESHER_LOG ?? "/var/log/cordon/refresher.log",
    resolvUpstream: env.CORDON_RESOLV_UPSTREAM ?? "/run/cordon/resolv.conf.upstream",
  };
}
