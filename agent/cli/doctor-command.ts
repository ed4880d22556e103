// `cordon doctor [--json]`: what this host or container supports and which
// mode the agent will use, and why; when the sandbox cannot work, the fix.
import { existsSync, readFileSync } from "node:fs";
import { loadConfig } from "../config/load.js";
import { containerIsBoundary, containerMode, policyFromEnvironment } from "../sandbox/from-environment.js";
import { probeSandbox, seccompMode } from "../sandbox/probe.js";
import { readStatus, refresherHealth } from "../../firewall/dns-refresher/refresher-status.js";
import { readState } from "../../firewall/bringup-state.js";
import { parseResolvConf } from "../../firewall/resolv-conf.js";
import { loadManaged } from "../config/managed.js";
import { configuredEndpoints } from "../config/endpoints.js";
import { firewallBlocks } from "../../firewall/egress-check.js";

export interface DoctorReport {
  inContainer: boolean;
  containerConfiguration: string | null;
  userNamespaces: boolean;
  bwrap: string | null;
  bwrapVersion: string | null;
  procMount: boolean;
  seccomp: string;
  firewall: "active" | "deny-all" | "not started";
  refresher: { healthy: boolean; detail: string } | null;
  /** Forwarder mode: whether /etc/resolv.conf points at the forwarder (null in refresher mode). */
  dnsForwarder: { listen: string; resolvConf: "points at the forwarder" | string } | null;
  sandboxMode: string;
  agentMode: "nested sandbox" | "container as boundary" | "none (full access)" | "unavailable";
  why: string;
  fix: string | null;
  /** Endpoints the config makes cordon connect to, and whether the firewall lets it (null: allowed or no firewall). */
  egress: { what: string; url: string; blocked: string | null }[];
  /** Admin-managed files in effect, if any. */
  managed: { dir: string; requirements: string | null; managedConfig: string | null; managedKeys: string[] };
}

export async function doctor(): Promise<DoctorReport> {
  const support = await probeSandbox();
  const inContainer = existsSync("/.dockerenv") || /docker|containerd|kubepods/.test(safeRead("/proc/1/cgroup"));
  const fw = readState();
  const cfg = loadConfig();
  const policy = policyFromEnvironment({}, cfg);
  const boundary = containerIsBoundary();
  let agentMode: DoctorReport["agentMode"];
  let why: string;
  let fix: string | null = null;
  if (policy.mode === "danger-full-access") {
    agentMode = boundary ? "container as boundary" : "none (full access)";
    why = boundary
      ? "this is the container-as-boundary configuration: commands run with full access inside the container, and the container with its egress firewall is the boundary"
      : "sandbox_mode is danger-full-access: commands run unsandboxed";
  } else if (support.userNamespaces) {
    agentMode = "nested sandbox";
    why = `sandbox_mode is ${policy.mode} and bubblewrap works here${support.procMount ? "" : " (a fresh /proc cannot be mounted: the outer /proc is bound read-only instead)"}`;
    if (!support.procMount) fix = "for a private /proc, run the container with --security-opt systempaths=unconfined";
  } else {
    agentMode = "unavailable";
    why = `sandbox_mode is ${policy.mode}, which needs bubblewrap, and it cannot start here: commands will fail rather than run unsandboxed`;
    fix = support.problem;
  }
  return {
    inContainer,
    containerConfiguration: containerMode(),
    userNamespaces: support.userNamespaces,
    bwrap: support.bwrapPath,
    bwrapVersion: support.bwrapVersion,
    procMount: support.procMount,
    seccomp: seccompMode(),
    firewall: fw?.phase === "enforce" ? "active" : fw ? "deny-all" : "not started",
    refresher:
      fw?.phase === "enforce" && (fw.refresherEnabled !== false || fw.forwarder)
        ? refresherHealth(readStatus(), Date.now())
        : null,
    dnsForwarder: fw?.forwarder
      ? { listen: fw.forwarder.listen, resolvConf: resolvConfVerdict(fw.forwarder.listen) }
      : null,
    sandboxMode: policy.mode,
    agentMode,
    why,
    fix,
    egress: configuredEndpoints(cfg).map((e) => ({
      ...e,
      blocked: firewallBlocks(new URL(e.url).hostname, fw, ".devcontainer/allowlist.toml"),
    })),
    managed: (() => {
      const m = loadManaged();
      return {
        dir: m.dir,
        requirements: m.requirementsFile,
        managedConfig: m.configFile,
        managedKeys: Object.keys(m.config),
      };
    })(),
  };
}

/** Whether the container's resolv.conf sends lookups to the forwarder, or what it names instead. */
function resolvConfVerdict(listen: string): string {
  const ns = parseResolvConf(safeRead("/etc/resolv.conf")).nameservers;
  if (ns.length === 1 && ns[0] === listen) return "points at the forwarder";
  return `BYPASSES the forwarder (nameserver ${ns.join(", ") || "none"}): lookups are refused by the firewall; run 'sudo init-firewall.sh' to point it back`;
}

function safeRead(p: string): string {
  try {
    return readFileSync(p, "utf8");
  } catch {
    return "";
  }
}

export async function doctorAction(opts: { json?: boolean }): Promise<void> {
  const r = await doctor();
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
  } else {
    const yes = (b: boolean) => (b ? "yes" : "no");
    process.stdout.write(
      [
        `container:        ${r.inContainer ? `yes (${r.containerConfiguration ?? "unknown configuration"})` : "no"}`,
        `bubblewrap:       ${r.bwrap ? `${r.bwrap} ${r.bwrapVersion ?? ""}` : "not installed"}`,
        `user namespaces:  ${yes(r.userNamespaces)}`,
        `fresh /proc:      ${yes(r.procMount)}`,
        `seccomp:          ${r.seccomp}`,
        `firewall:         ${r.firewall}`,
        ...(r.refresher
          ? [`dns refresher:    ${r.refresher.healthy ? "healthy" : "NOT HEALTHY"}: ${r.refresher.detail}`]
          : []),
        ...(r.dnsForwarder
          ? [`dns forwarder:    ${r.dnsForwarder.listen}; resolv.conf ${r.dnsForwarder.resolvConf}`]
          : []),
        `sandbox_mode:     ${r.sandboxMode}`,
        `agent will use:   ${r.agentMode}`,
        `why:              ${r.why}`,
        ...(r.fix ? [`fix:              ${r.fix}`] : []),
        ...r.egress.map(
          (e) => `egress:           ${e.what} at ${e.url}: ${e.blocked ? `BLOCKED: ${e.blocked}` : "allowed"}`,
        ),
        `managed:          ${r.managed.requirements || r.managed.managedConfig ? [r.managed.requirements, r.managed.managedConfig].filter(Boolean).join(", ") + (r.managed.managedKeys.length ? ` (sets ${r.managed.managedKeys.join(", ")})` : "") : `nothing (no files in ${r.managed.dir})`}`,
      ].join("\n") + "\n",
    );
  }
  if (r.agentMode === "unavailable") process.exitCode = 2;
}
