// From what the allowlist says and what DNS answered to what the firewall
// will hold: each name's state, the timed address sets, the full ruleset.
// Pure: the bring-up gathers the facts and applies the result.
import type { Allowlist } from "./allowlist-schema.js";
import type { NameResolution } from "./dns/resolve-names.js";
import { clampTtl } from "./dns-refresher/schedule.js";
import type { LocalNetwork } from "./local-network.js";
import { parseCidr } from "./net-address.js";
import type { RulesetInput, TimedElement } from "./nft-render.js";
import type { NameState } from "./bringup-state.js";

export interface NamePlan {
  names: Record<string, NameState>;
  /** Required names without a usable address: the bring-up fails on these. */
  fatal: string[];
  /** What to tell the person watching (dropped answers, optional names left out). */
  notes: string[];
}

/** Each resolved name's addresses (TTL clamped, expiry from `now`), and what is wrong with which. */
export function planNames(results: NameResolution[], a: Allowlist, now: number): NamePlan {
  const required = new Set(a.allow.required);
  const plan: NamePlan = { names: {}, fatal: [], notes: [] };
  // One date text per clamped TTL: thousands of names share a handful (toISOString was most of this).
  const expiry = new Map<number, string>();
  const expiresAt = (t: number) => {
    let at = expiry.get(t);
    if (at === undefined) expiry.set(t, (at = new Date(now + (t + a.refresher.grace) * 1000).toISOString()));
    return at;
  };
  for (const r of results) {
    const ns: NameState = {
      addresses: [],
      chain: r.chain,
      required: required.has(r.name),
      problems: r.problems,
      dropped: r.dropped,
    };
    for (const [family, list] of [
      [4, r.v4],
      [6, r.v6],
    ] as const) {
      for (const { address, ttl } of list) {
        const t = clampTtl(ttl, { minTtl: a.refresher.min_ttl, maxTtl: a.refresher.max_ttl });
        ns.addresses.push({
          address,
          family,
          ttl: t,
          expiresAt: expiresAt(t),
        });
      }
    }
    plan.names[r.name] = ns;
    for (const d of r.dropped) plan.notes.push(`dropped ${d.address} for ${r.name}: ${d.reason}`);
    if (r.problems.length) {
      const line = `${r.name}: ${r.problems.join("; ")}`;
      if (ns.required) plan.fatal.push(line);
      else plan.notes.push(`warning: ${line} (optional: left out for now, retried by the refresher)`);
    }
  }
  return plan;
}

/** One element per address, timed out at the longest TTL + grace among the names holding it. */
export function timedSet(names: Record<string, NameState>, family: 4 | 6, grace: number): TimedElement[] {
  const best = new Map<string, number>();
  for (const ns of Object.values(names)) {
    for (const x of ns.addresses)
      if (x.family === family) best.set(x.address, Math.max(best.get(x.address) ?? 0, x.ttl + grace));
  }
  return [...best].map(([address, timeout]) => ({ address, timeout }));
}

/** The enforcing ruleset: resolvers, timed address sets, CIDRs, the Docker host's allowed ports. */
export function planRuleset(
  base: Pick<RulesetInput, "resolvers4" | "resolvers6" | "dnsGuard">,
  names: Record<string, NameState>,
  a: Allowlist,
  net: Pick<LocalNetwork, "gateway4" | "gateway6">,
  cidrs: string[],
): RulesetInput {
  return {
    ...base,
    phase: "enforce",
    allow4: timedSet(names, 4, a.refresher.grace),
    allow6: timedSet(names, 6, a.refresher.grace),
    cidr4: cidrs.filter((c) => parseCidr(c).family === 4),
    cidr6: cidrs.filter((c) => parseCidr(c).family === 6),
    hostPorts: a.host.ports,
    ...(net.gateway4 ? { hostGateway4: net.gateway4 } : {}),
    ...(net.gateway6 ? { hostGateway6: net.gateway6 } : {}),
  };
}
