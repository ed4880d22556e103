// Address and CIDR parsing for the firewall's policy code. Hand-written on
// isIP's grammar (ip-syntax.ts) plus a little bit arithmetic: the few operations
// needed here (parse, contains) don't justify a dependency.
import { ipVersion } from "./ip-syntax.js";

export type Family = 4 | 6;

export interface Cidr {
  family: Family;
  /** Network address, normalised (host bits cleared), as a bigint. */
  base: bigint;
  prefix: number;
  /** Canonical text, e.g. "203.0.113.0/24". */
  text: string;
}

export function ipFamily(addr: string): Family | null {
  const f = ipVersion(addr);
  return f === 0 ? null : f;
}

export function ipToBigInt(addr: string): bigint {
  const family = ipFamily(addr);
  if (family === 4) {
    // One BigInt from a plain number: the refresher and the bring-up call this for every answer.
    const [a, b, c, d] = addr.split(".").map(Number) as [number, number, number, number];
    return BigInt(a * 16777216 + b * 65536 + c * 256 + d);
  }
  if (family === 6) {
    let text = addr.toLowerCase();
    const zone = text.indexOf("%");
    if (zone >= 0) text = text.slice(0, zone);
    // Embedded IPv4 tail (::ffff:1.2.3.4): turn it into two hex groups.
    const lastColon = text.lastIndexOf(":");
    const tail = text.slice(lastColon + 1);
    if (tail.includes(".")) {
      const v4 = ipToBigInt(tail);
      text = `${text.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
    }
    const [head, rest] = text.split("::") as [string, string | undefined];
    const headParts = head ? head.split(":") : [];
    const restParts = rest !== undefined && rest !== "" ? rest.split(":") : [];
    const missing = 8 - headParts.length - restParts.length;
    const parts = rest === undefined ? headParts : [...headParts, ...Array<string>(missing).fill("0"), ...restParts];
    return parts.reduce((acc, p) => (acc << 16n) | BigInt(parseInt(p, 16)), 0n);
  }
  throw new Error(`not an IP address: ${addr}`);
}

export function bigIntToIp(value: bigint, family: Family): string {
  if (family === 4) {
    return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 0xffn)).join(".");
  }
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((value >> BigInt(i * 16)) & 0xffffn).toString(16));
  // Compress the longest run of zero groups, as RFC 5952 says.
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== "0") {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === "0") j++;
    if (j - i > bestLen && j - i > 1) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return groups.join(":");
  return `${groups.slice(0, best).join(":")}::${groups.slice(best + bestLen).join(":")}`;
}

/** Canonical text form of an address ("2001:DB8:0::1" -> "2001:db8::1"). */
export function canonicalIp(addr: string): string {
  const family = ipFamily(addr);
  if (!family) throw new Error(`not an IP address: ${addr}`);
  return bigIntToIp(ipToBigInt(addr), family);
}

/** Parses "a.b.c.d/n", "x::/n" or a bare address (a /32 or /128). Throws with the value on error. */
export function parseCidr(text: string): Cidr {
  const slash = text.indexOf("/");
  const addr = slash < 0 ? text : text.slice(0, slash);
  const family = ipFamily(addr);
  if (!family) throw new Error(`"${text}" is not a CIDR: "${addr}" is not an IPv4 or IPv6 address`);
  const bits = family === 4 ? 32 : 128;
  const prefixText = slash < 0 ? String(bits) : text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > bits) {
    throw new Error(`"${text}" is not a CIDR: prefix length must be 0..${bits}`);
  }
  const prefix = Number(prefixText);
  const mask = prefix === 0 ? 0n : ((1n << BigInt(prefix)) - 1n) << BigInt(bits - prefix);
  const base = ipToBigInt(addr) & mask;
  return { family, base, prefix, text: `${bigIntToIp(base, family)}/${prefix}` };
}

export function cidrContains(cidr: Cidr, addr: string): boolean {
  const family = ipFamily(addr);
  return family !== null && cidrContainsValue(cidr, family, ipToBigInt(addr));
}

/** cidrContains for an address already parsed: checking one answer against many ranges parses it once. */
export function cidrContainsValue(cidr: Cidr, family: Family, value: bigint): boolean {
  if (family !== cidr.family) return false;
  const shift = BigInt((family === 4 ? 32 : 128) - cidr.prefix);
  return value >> shift === cidr.base >> shift;
}
