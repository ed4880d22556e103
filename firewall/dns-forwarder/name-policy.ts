// Which query names the DNS forwarder answers: an allowlisted name exactly, a
// name below a `*.example.com` pattern (any depth, not example.com itself), or
// a CNAME target an allowed name led to (until that record's TTL runs out).
// Everything else is refused and never forwarded. Pure.
import { canonicalName } from "../dns/names.js";
import { canonicalIp } from "../net-address.js";

export type Admission = "exact" | "wildcard" | "chain";

export interface NamePolicy {
  admit(name: string, now: number): Admission | null;
  /** A CNAME target reached from an admitted name, admitted until `until` (epoch ms). */
  learnChain(target: string, until: number): void;
  /** How many chain targets are held (for status). */
  chainSize(now: number): number;
}

export function namePolicy(patterns: string[]): NamePolicy {
  const exact = new Set<string>();
  const suffixes = new Set<string>();
  for (const p of patterns) {
    if (p.startsWith("*.")) suffixes.add(p.slice(2));
    else exact.add(p);
  }
  const chain = new Map<string, number>();
  const belowPattern = (name: string) => {
    // Walk the name's parents: a.b.example.com -> b.example.com -> example.com -> com.
    for (let i = name.indexOf("."); i >= 0; i = name.indexOf(".", i + 1)) {
      if (suffixes.has(name.slice(i + 1))) return true;
    }
    return false;
  };
  return {
    admit(raw, now) {
      const name = canonicalName(raw);
      if (exact.has(name)) return "exact";
      if (suffixes.size && belowPattern(name)) return "wildcard";
      const until = chain.get(name);
      if (until !== undefined) {
        if (until > now) return "chain";
        chain.delete(name);
      }
      return null;
    },
    learnChain(target, until) {
      const name = canonicalName(target);
      if ((chain.get(name) ?? 0) < until) chain.set(name, until);
    },
    chainSize(now) {
      for (const [n, until] of chain) if (until <= now) chain.delete(n);
      return chain.size;
    },
  };
}

/** The address a reverse-lookup name asks about (in-addr.arpa / ip6.arpa), or null. */
export function reverseAddress(raw: string): string | null {
  const name = canonicalName(raw);
  if (name.endsWith(".in-addr.arpa")) {
    const parts = name.slice(0, -".in-addr.arpa".length).split(".");
    if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return null;
    return parts.reverse().map(Number).join(".");
  }
  if (name.endsWith(".ip6.arpa")) {
    const nibbles = name.slice(0, -".ip6.arpa".length).split(".");
    if (nibbles.length !== 32 || !nibbles.every((n) => /^[0-9a-f]$/.test(n))) return null;
    return canonicalIp(nibbles.reverse().join("").match(/.{4}/g)!.join(":"));
  }
  return null;
}
