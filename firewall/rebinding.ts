// DNS rebinding protection: answers pointing into private, loopback, reserved
// or documentation space never enter the allow sets, unless the allowlist
// exempts the range or the name explicitly (as dnsmasq's --rebind-domain-ok).
// Pure.
import type { LocalNetwork } from "./local-network.js";
import {
  cidrContainsValue,
  ipFamily,
  ipToBigInt,
  bigIntToIp,
  parseCidr,
  type Cidr,
  type Family,
} from "./net-address.js";

const BLOCKED = [
  // IPv4
  "0.0.0.0/8",
  "10.0.0.0/8",
  "100.64.0.0/10",
  "127.0.0.0/8",
  "169.254.0.0/16",
  "172.16.0.0/12",
  "192.0.0.0/24",
  "192.0.2.0/24",
  "192.88.99.0/24",
  "192.168.0.0/16",
  "198.18.0.0/15",
  "198.51.100.0/24",
  "203.0.113.0/24",
  "224.0.0.0/4",
  "240.0.0.0/4",
  "255.255.255.255/32",
  // IPv6
  "::/128",
  "::1/128",
  "100::/64",
  "2001:db8::/32",
  "fc00::/7",
  "fe80::/10",
  "fec0::/10",
  "ff00::/8",
].map(parseCidr);

export interface RebindPolicy {
  exemptCidrs: Cidr[];
  exemptNames: Set<string>;
  /** The container's own and the Docker host's subnets, found at run time. */
  localSubnets: Cidr[];
  /**
   * The container's own addresses and the Docker host's (its gateways): never
   * allowed through a DNS answer, exemptions or not. The host is reached only
   * through the allowlist's [host] ports.
   */
  pinned?: string[];
}

/**
 * Addresses no DNS answer may add: this container's own, its default gateways,
 * and the first address of each of its subnets, which is where Docker puts the
 * host's bridge (also on --internal networks, which have no default route).
 */
export function pinnedAddresses(n: LocalNetwork): string[] {
  const bridges = n.subnets
    .filter((c) => c.prefix < (c.family === 4 ? 31 : 127))
    .map((c) => bigIntToIp(c.base + 1n, c.family));
  return [
    ...new Set([...n.addresses, ...bridges, ...(n.gateway4 ? [n.gateway4] : []), ...(n.gateway6 ? [n.gateway6] : [])]),
  ];
}

/** The policy from the allowlist's [rebind] settings and the container's network (bring-up and refresher alike). */
export function rebindPolicy(
  rebind: { exempt_cidrs: string[]; exempt_names: string[] },
  net: LocalNetwork,
): RebindPolicy {
  return {
    exemptCidrs: rebind.exempt_cidrs.map(parseCidr),
    exemptNames: new Set(rebind.exempt_names),
    localSubnets: net.subnets,
    pinned: pinnedAddresses(net),
  };
}

/** The IPv4 address embedded in an IPv4-mapped, NAT64 (64:ff9b::/96) or 6to4 (2002::/16) IPv6 address. */
export function embeddedIpv4(addr: string): string | null {
  return ipFamily(addr) === 6 ? embeddedIpv4Of(ipToBigInt(addr)) : null;
}

function embeddedIpv4Of(v6: bigint): string | null {
  const top96 = v6 >> 32n;
  if (top96 === 0xffffn || top96 === 0x0064ff9b0000000000000000n) return bigIntToIp(v6 & 0xffffffffn, 4);
  if (v6 >> 112n === 0x2002n) return bigIntToIp((v6 >> 80n) & 0xffffffffn, 4);
  return null;
}

/** An address as one number across both families (IPv4 as IPv4-mapped IPv6), for set lookups. */
const unified = (family: Family, value: bigint) => (family === 4 ? 0xffff00000000n | value : value);

/** The pinned addresses as numbers, once per policy (a policy lives as long as its allowlist). */
const pinnedValues = new WeakMap<RebindPolicy, Set<bigint>>();
function pinnedOf(p: RebindPolicy): Set<bigint> {
  let set = pinnedValues.get(p);
  if (!set) {
    set = new Set(
      (p.pinned ?? []).flatMap((x) => {
        const f = ipFamily(x);
        return f ? [unified(f, ipToBigInt(x))] : [];
      }),
    );
    pinnedValues.set(p, set);
  }
  return set;
}

/** An address's verdict apart from the name asked: `always` holds even for exempt names. */
interface Verdict {
  always: string | null;
  unlessExempt: string | null;
}

/**
 * Verdicts per policy and address, bounded: the refresher and the forwarder ask about the same
 * addresses hundreds of times a second, and each fresh verdict parses the address into numbers.
 */
const verdicts = new WeakMap<RebindPolicy, Map<string, Verdict>>();
const MAX_VERDICTS = 4096;

/** Why an answer must not be allowed, or null when it may. */
export function rebindingReason(name: string, addr: string, p: RebindPolicy): string | null {
  let cache = verdicts.get(p);
  if (!cache) verdicts.set(p, (cache = new Map()));
  let v = cache.get(addr);
  if (!v) {
    if (cache.size >= MAX_VERDICTS) cache.clear();
    v = verdictOf(addr, p);
    cache.set(addr, v);
  }
  return v.always ?? (p.exemptNames.has(name) ? null : v.unlessExempt);
}

function verdictOf(addr: string, p: RebindPolicy): Verdict {
  const family = ipFamily(addr);
  if (family === null) return { always: "is not an IP address", unlessExempt: null };
  const value = ipToBigInt(addr);
  const v4 = family === 6 ? embeddedIpv4Of(value) : null;
  const pinned = pinnedOf(p);
  if (pinned.has(unified(family, value)) || (v4 !== null && pinned.has(unified(4, ipToBigInt(v4)))))
    return {
      always: "is this container's own or the Docker host's address (reach the host through [host] ports)",
      unlessExempt: null,
    };
  return { always: null, unlessExempt: rangeReason(family, value, v4, p) };
}

/** Why an address (not pinned, its name not exempt) lies where no answer may point, or null. */
function rangeReason(family: Family, value: bigint, v4: string | null, p: RebindPolicy): string | null {
  const inRange = (c: Cidr) => cidrContainsValue(c, family, value);
  if (p.exemptCidrs.some(inRange)) return null;
  const local = p.localSubnets.find(inRange);
  if (local) return `in this container's or the Docker host's subnet ${local.text}`;
  const hit = BLOCKED.find(inRange);
  if (hit) return `in the private/reserved range ${hit.text}`;
  if (v4) {
    const inner = rangeReason(4, ipToBigInt(v4), null, p);
    if (inner) return `embeds ${v4}, ${inner}`;
  }
  return null;
}
