// `cordon firewall status [--json]`: what the firewall allows now. Reads the
// state the bring-up wrote (readable by everyone); as root it also reads the
// live nftables table, so a table deleted behind cordon's back shows up.
import { listTableJson } from "../../firewall/nft-apply.js";
import { readState, STATE_FILE, type FirewallState } from "../../firewall/state.js";

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

function human(s: FirewallState | null, live: LiveTable | null): string {
  if (!s) return `firewall: no state at ${STATE_FILE}; the firewall has not been started in this container (sudo /usr/local/bin/init-firewall.sh)`;
  const out: string[] = [];
  const active = s.phase === "enforce" && (live?.present ?? true);
  out.push(`firewall: ${active ? "active (allowlist enforced)" : s.phase === "deny-all" ? "DENY-ALL (bring-up failed: nothing is reachable)" : s.phase}`);
  if (s.error) out.push(`last error: ${s.error}`);
  out.push(`allowlist: ${s.allowlist}   updated: ${s.updatedAt}`);
  out.push(`DNS allowed to: ${s.resolvers.join(", ") || "none"}   port 853: blocked`);
  if (live) out.push(`kernel table inet cordon: ${live.present ? `present; set sizes ${Object.entries(live.sets).map(([k, v]) => `${k}=${v}`).join(" ")}` : "MISSING"}`);
  else out.push("kernel table: not checked (needs root)");
  const now = Date.now();
  for (const [name, n] of Object.entries(s.names).sort(([a], [b]) => a.localeCompare(b))) {
    const addrs = n.addresses.map((a) => {
      const left = Math.round((Date.parse(a.expiresAt) - now) / 1000);
      return `${a.address} (ttl ${a.ttl}s, ${left > 0 ? `expires in ${left}s` : "expired"})`;
    });
    out.push(`  ${name}${n.required ? " [required]" : ""}: ${addrs.length ? addrs.join(", ") : `no address: ${n.problems.join("; ")}`}`);
    for (const d of n.dropped) out.push(`    dropped ${d.address}: ${d.reason}`);
  }
  for (const w of s.wildcards) out.push(`  ${w}: wildcard, not enforced (list exact names)`);
  if (s.cidrs.length) out.push(`CIDRs: ${s.cidrs.length} (${s.cidrs.slice(0, 5).join(", ")}${s.cidrs.length > 5 ? ", ..." : ""})`);
  out.push(`host ports: ${s.hostPorts.join(", ") || "none"}`);
  return out.join("\n");
}

export async function firewallStatusAction(opts: { json?: boolean }): Promise<void> {
      const state = readState();
      const live = await readLive();
      if (opts.json) process.stdout.write(`${JSON.stringify({ stateFile: STATE_FILE, state, live }, null, 2)}\n`);
      else process.stdout.write(`${human(state, live)}\n`);
      if (!state || state.phase !== "enforce" || live?.present === false) process.exitCode = 3;
}
