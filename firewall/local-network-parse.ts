// The container's addresses and default gateways, read from the kernel's own
// text tables (/proc/net/{fib_trie,route,ipv6_route,if_inet6}): what `ip -j
// addr` and `ip -j route show default` print, without three processes on the
// bring-up's path. Pure: the texts come in as strings.
import { bigIntToIp, cidrContains, parseCidr, type Cidr } from "./net-address.js";

export interface LocalNetwork {
  subnets: Cidr[];
  /** This container's own global addresses. */
  addresses: string[];
  gateway4?: string;
  gateway6?: string;
}

const RTF_UP = 0x1;
const RTF_GATEWAY = 0x2;
/** An address /proc/net/route wrote as hex in host byte order (little-endian where Node runs on Linux). */
const le32 = (v: number): string => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24].join(".");

/** A row of /proc/net/route, its hex fields read. */
interface Route4 {
  iface: string;
  dest: number;
  gateway: number;
  flags: number;
  metric: number;
  mask: number;
}

const HEX8 = /^[0-9A-Fa-f]{8}$/;

/** The rows of /proc/net/route (the main table); a row whose addresses are not 8 hex digits is left out. */
function routes4(routeText: string): Route4[] {
  const out: Route4[] = [];
  for (const line of routeText.split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    const [iface = "", dest = "", gateway = "", flags = "", , , metric = "", mask = ""] = f;
    if (f.length < 8 || !HEX8.test(dest) || !HEX8.test(gateway) || !HEX8.test(mask)) continue;
    out.push({
      iface,
      dest: parseInt(dest, 16),
      gateway: parseInt(gateway, 16),
      flags: parseInt(flags, 16),
      metric: Number(metric),
      mask: parseInt(mask, 16),
    });
  }
  return out;
}

/** The gateway of the candidate with the lowest metric, as the kernel prefers it. */
function lowestMetric(candidates: { gw: string; metric: number }[]): string | undefined {
  let best: { gw: string; metric: number } | undefined;
  for (const c of candidates) if (!best || c.metric < best.metric) best = c;
  return best?.gw;
}

/**
 * The default IPv4 gateway from /proc/net/route: the up, gatewayed route to 0.0.0.0/0 with the
 * lowest metric. Addresses there are the host's byte order written as hex (little-endian on
 * every platform Node ships for Linux).
 */
export function defaultGateway4(routeText: string): string | undefined {
  return lowestMetric(
    routes4(routeText)
      .filter((r) => r.dest === 0 && r.mask === 0 && r.flags & RTF_UP && r.flags & RTF_GATEWAY && r.gateway !== 0)
      .map((r) => ({ gw: le32(r.gateway), metric: r.metric })),
  );
}

const hex128 = (h: string): string => bigIntToIp(BigInt(`0x${h}`), 6);

/** The default IPv6 gateway from /proc/net/ipv6_route: ::/0 with a next hop, lowest metric. */
export function defaultGateway6(routeText: string): string | undefined {
  const candidates: { gw: string; metric: number }[] = [];
  for (const line of routeText.split("\n")) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const [dest, plen, , , hop, metric, , , flags] = f as string[];
    if (!/^0{32}$/.test(dest as string) || plen !== "00" || !/^[0-9a-f]{32}$/i.test(hop as string)) continue;
    if (/^0{32}$/.test(hop as string) || !(parseInt(flags as string, 16) & RTF_UP)) continue;
    candidates.push({ gw: hex128(hop as string), metric: parseInt(metric as string, 16) });
  }
  return lowestMetric(candidates);
}

/** Global-scope IPv6 addresses with their prefix from /proc/net/if_inet6 (scope 00 is global). */
export function globalAddresses6(ifInet6Text: string): string[] {
  const out: string[] = [];
  for (const line of ifInet6Text.split("\n")) {
    const f = line.trim().split(/\s+/);
    if (f.length < 6 || !/^[0-9a-f]{32}$/i.test(f[0] as string) || f[3] !== "00") continue;
    out.push(`${hex128(f[0] as string)}/${parseInt(f[2] as string, 16)}`);
  }
  return out;
}

/** Kernel tables as text: /proc/net/fib_trie, route, ipv6_route and if_inet6. */
export interface KernelTables {
  fibTrie: string;
  route: string;
  ipv6Route: string;
  ifInet6: string;
}

/**
 * The IPv4 addresses this host answers on (fib_trie's `/32 host LOCAL` leaves), loopback left
 * out. Unlike getifaddrs this includes addresses on an interface without carrier, which the
 * kernel still delivers to locally (a DNS answer naming one reaches this container).
 */
export function localAddresses4(fibTrie: string): string[] {
  const out = new Set<string>();
  let leaf = "";
  for (const line of fibTrie.split("\n")) {
    const m = /^\s*\|-- (\d{1,3}(?:\.\d{1,3}){3})\s*$/.exec(line);
    if (m) leaf = m[1] as string;
    else if (leaf && /^\s*\/32 host LOCAL\s*$/.test(line) && !leaf.startsWith("127.")) out.add(leaf);
  }
  return [...out];
}

/** Connected IPv4 routes (up, no gateway, not loopback) from /proc/net/route: an address's subnet. */
function connectedRoutes4(routeText: string): Cidr[] {
  return routes4(routeText)
    .filter((r) => r.iface !== "lo" && r.flags & RTF_UP && !(r.flags & RTF_GATEWAY))
    .map((r) => parseCidr(`${le32(r.dest)}/${(r.mask >>> 0).toString(2).replace(/0/g, "").length}`));
}

/**
 * The local network from the kernel's tables: each local address with the prefix of the
 * narrowest connected route holding it (/32 when none), global IPv6 addresses with theirs.
 */
export function localNetwork(t: KernelTables): LocalNetwork {
  const routes = connectedRoutes4(t.route).sort((x, y) => y.prefix - x.prefix);
  const cidrs = [
    ...localAddresses4(t.fibTrie).map((a) => {
      const r = routes.find((c) => cidrContains(c, a));
      return `${a}/${r ? r.prefix : 32}`;
    }),
    ...globalAddresses6(t.ifInet6),
  ];
  const seen = new Set<string>();
  const subnets: Cidr[] = [];
  const addresses: string[] = [];
  for (const c of cidrs) {
    if (seen.has(c)) continue;
    seen.add(c);
    subnets.push(parseCidr(c));
    addresses.push(c.slice(0, c.indexOf("/")));
  }
  const gw4 = defaultGateway4(t.route);
  const gw6 = defaultGateway6(t.ipv6Route);
  return { subnets, addresses, ...(gw4 ? { gateway4: gw4 } : {}), ...(gw6 ? { gateway6: gw6 } : {}) };
}
