// `cordon firewall status [--json]`: what the firewall allows now. Reads the
// state the bring-up wrote (readable by everyone); as root it also reads the
// live nftables table, so a table deleted behind cordon's back shows up.
import { listTableJson } from "../../firewall/nft-apply.js";
import { readStatus, refresherHealth, type RefresherStatus } from "../../firewall/dns-refresher/refresher-status.js";
import { firewallPaths } from "../../firewall/paths.js";
import { readState, type FirewallState } from "../../firewall/bringup-state.js";
import { firewallBlocks } from "../../firewall/egress-check.js";
import { configuredEndpoints } from "../config/endpoints.js";
import { loadConfig } from "../config/load.js";

interface LiveTable {
  present: boolean;
  sets: Record<string, number>;
}

async function readLive(): Promise<LiveTable | null> {
  if (process.getuid?.() !== 0) return null;
  const j = (await listTableJson()) as { nftables?: { set?: { name: string; elem?: unknown[] } }[] } | null;
  if (!j) return { present: false, sets: {} };
  const sets: Record<string, number> = {};
  for (const item of j.nftables ?? []) if (item.set) sets[item.set.name] = item.set.elem?.length ?? 0;
  return { present: true, sets };
}

const secondsFrom = (iso: string, now: number) => Math.round((Date.parse(iso) - now) / 1000);

function nameLines(s: FirewallState, r: RefresherStatus | null, now: number): string[] {
  const out: string[] = [];
  for (const [name, n] of Object.entries(s.names).sort(([a], [b]) => a.localeCompare(b))) {
    const live = r?.names[name];
    const addresses = live ? live.addresses : n.addresses.map((a) => ({ ...a, listed: true }));
    const addrs = addresses.map((a) => {
      const left = secondsFrom(a.expiresAt, now);
      return `${a.address} (ttl ${a.ttl}s, ${left > 0 ? `expires in ${left}s` : "expired"}${a.listed ? "" : ", no longer in DNS"})`;
    });
    out.push(`  ${name}${n.required ? " [required]" : ""}: ${addrs.length ? addrs.join(", ") : "no address"}`);
    if (live) {
      const next = secondsFrom(live.nextRefreshAt, now);
      out.push(
        `    ttl ${live.ttl ?? "-"}s; next refresh ${next > 0 ? `in ${next}s` : "now"}${live.lastError ? `; last error (${live.failures} in a row): ${live.lastError}` : ""}`,
      );
    } else if (n.problems.length) out.push(`    problem at bring-up: ${n.problems.join("; ")}`);
    for (const d of live?.dropped ?? n.dropped) out.push(`    dropped ${d.address}: ${d.reason}`);
  }
  return out;
}

function human(
  s: FirewallState | null,
  live: LiveTable | null,
  r: RefresherStatus | null,
  health: { healthy: boolean; detail: string },
): string {
  if (!s)
    return `firewall: no state at ${firewallPaths().state}; the firewall has not been started in this container (sudo /usr/local/bin/init-firewall.sh)`;
  const out: string[] = [];
  const active = s.phase === "enforce" && (live?.present ?? true);
  out.push(
    `firewall: ${active ? "active (allowlist enforced)" : s.phase === "deny-all" ? "DENY-ALL (bring-up failed: nothing is reachable)" : s.phase}`,
  );
  if (s.error) out.push(`last error: ${s.error}`);
  out.push(`allowlist: ${s.allowlist}   updated: ${s.updatedAt}`);
  out.push(
    s.forwarder
      ? `DNS: forwarder mode: every process resolves through ${s.forwarder.listen}; only the forwarder reaches ${s.resolvers.join(", ") || "none"}   port 853: blocked`
      : `DNS: refresher mode: allowed to ${s.resolvers.join(", ") || "none"}   port 853: blocked`,
  );
  if (live)
    out.push(
      `kernel table inet cordon: ${
        live.present
          ? `present; set sizes ${Object.entries(live.sets)
              .map(([k, v]) => `${k}=${v}`)
              .join(" ")}`
          : "MISSING"
      }`,
    );
  else out.push("kernel table: not checked (needs root)");
  if (s.refresherEnabled === false)
    out.push("DNS refresher: disabled by the allowlist; addresses expire at TTL + grace");
  else
    out.push(
      `DNS refresher: ${health.healthy ? "healthy" : "NOT HEALTHY"}: ${health.detail}; log ${firewallPaths().log}`,
    );
  if (s.forwarder) out.push(forwarderLine(r?.forwarder, health.healthy));
  out.push(...nameLines(s, r, Date.now()));
  for (const w of s.wildcards)
    out.push(
      s.forwarder ? `  ${w}: wildcard, answered by the forwarder` : `  ${w}: wildcard, not enforced (list exact names)`,
    );
  if (s.cidrs.length)
    out.push(`CIDRs: ${s.cidrs.length} (${s.cidrs.slice(0, 5).join(", ")}${s.cidrs.length > 5 ? ", ..." : ""})`);
  out.push(`host ports: ${s.hostPorts.join(", ") || "none"}`);
  return out.join("\n");
}

function forwarderLine(f: RefresherStatus["forwarder"], healthy: boolean): string {
  if (!f || !healthy) return "DNS forwarder: NOT RUNNING: DNS fails for every process but root until it is back";
  const sample = f.refusedSample.length ? `; last refused: ${f.refusedSample.slice(-5).join(", ")}` : "";
  return `DNS forwarder: answering on ${f.listen}:53; ${f.queries} queries, ${f.answered} answered (${f.cached} from cache), ${f.refused} refused, ${f.servfail} SERVFAIL, ${f.stripped} rebinding answers stripped; cache ${f.cache} entries${sample}`;
}

/** Exit status: 0 all well, 3 the firewall is not enforcing, 4 enforcing but the refresher is not healthy. */
/** Endpoints cordon's config connects to (collector, HTTP MCP servers), checked against the firewall. */
function cordonEgress(state: FirewallState | null): { what: string; url: string; blocked: string | null }[] {
  let config;
  try {
    config = loadConfig();
  } catch {
    return []; // a broken config is the agent's to report, not the firewall's
  }
  return configuredEndpoints(config).map((e) => ({
    ...e,
    blocked: firewallBlocks(new URL(e.url).hostname, state, ".devcontainer/allowlist.toml"),
  }));
}

export async function firewallStatusAction(opts: { json?: boolean }): Promise<void> {
  const state = readState();
  const live = await readLive();
  const refresher = readStatus();
  const health = refresherHealth(refresher, Date.now());
  const egress = cordonEgress(state);
  if (opts.json)
    process.stdout.write(
      `${JSON.stringify({ stateFile: firewallPaths().state, state, live, refresher: { health, status: refresher }, egress }, null, 2)}\n`,
    );
  else
    process.stdout.write(
      `${human(state, live, refresher, health)}\n${egress.map((e) => `${e.what} at ${e.url}: ${e.blocked ? `BLOCKED: ${e.blocked}` : "allowed"}`).join("\n")}${egress.length ? "\n" : ""}`,
    );
  if (!state || state.phase !== "enforce" || live?.present === false) process.exitCode = 3;
  else if (state.refresherEnabled !== false && !health.healthy) process.exitCode = 4;
}
