// Whether the container's firewall lets cordon reach a host (an HTTP MCP server, a telemetry collector), from
// the state the bring-up wrote: said at start-up, so a server that cannot be
// reached is explained instead of timing out. Pure.
import type { FirewallState } from "./bringup-state.js";
import { cidrContains, ipFamily, parseCidr } from "./net-address.js";

/** Why the firewall will block `host`, or null when it allows it (or there is no firewall here). */
export function firewallBlocks(host: string, state: FirewallState | null, allowlistHint: string): string | null {
  if (!state) return null; // no firewall in this environment
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (h === "localhost" || h === "::1" || h.startsWith("127.")) return null; // loopback is never filtered
  if (state.phase !== "enforce")
    return `the firewall is in ${state.phase} (${state.error ?? "bring-up did not finish"}): nothing outside is reachable`;
  const family = ipFamily(h);
  if (family) {
    if (state.cidrs.some((c) => cidrContains(parseCidr(c), h))) return null;
    if (Object.values(state.names).some((n) => n.addresses.some((a) => a.address === h))) return null;
    return `${h} is in none of the firewall's CIDRs and no allowed name resolves to it; add it to ${allowlistHint}`;
  }
  const name = h.replace(/\.$/, "");
  if (state.names[name]) return null;
  if (state.wildcards.some((w) => name.endsWith(w.replace(/^\*/, "")) && name !== w.replace(/^\*\./, ""))) return null;
  return `${name} is not on the firewall allowlist (${state.allowlist}); add it to ${allowlistHint} and rebuild the container, or connections to it are blocked`;
}
