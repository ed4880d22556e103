// What the forwarder does with an upstream answer, and how it builds its own.
// Pure: decoded packets in, decoded packets and plain data out.
//   - Only the chain from the asked name is kept: its CNAMEs and the records
//     of the asked type at its end. Records for other names are dropped.
//   - A/AAAA records the rebinding filter rejects are stripped.
//   - The addresses left, the CNAME targets and the smallest TTL are what the
//     forwarder admits into the firewall and caches.
import type { Answer, Packet } from "dns-packet";
import { canonicalName } from "../dns/names.js";

export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
const RECURSION_DESIRED = 1 << 8;
const RECURSION_AVAILABLE = 1 << 7;
const MAX_HOPS = 16;

export interface AdmittedAddress {
  address: string;
  family: 4 | 6;
  ttl: number;
}

export interface Analysis {
  answers: Answer[];
  addresses: AdmittedAddress[];
  stripped: { address: string; reason: string }[];
  chainTargets: { name: string; ttl: number }[];
  /** The chain ends at a CNAME target with no record of the asked type: ask for that name next. */
  dangling: string | null;
  /** Smallest TTL over the kept records; null when none were kept. */
  minTtl: number | null;
}

const ttlOf = (r: Answer) => ("ttl" in r && typeof r.ttl === "number" ? r.ttl : 0);

/** Follows the CNAME chain from `qname` through `answers` and keeps what belongs to it. */
export function analyzeAnswer(
  qname: string,
  qtype: string,
  answers: Answer[],
  rebinding: (address: string) => string | null,
): Analysis {
  const chain = [canonicalName(qname)];
  const targets: { name: string; ttl: number }[] = [];
  const kept: Answer[] = [];
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    const at = chain[chain.length - 1]!;
    const cname = answers.find((r) => r.type === "CNAME" && canonicalName(r.name) === at);
    if (!cname || qtype === "CNAME") break;
    const target = canonicalName(String((cname as { data: unknown }).data));
    if (chain.includes(target)) break; // a loop: stop where it closes
    kept.push(cname);
    chain.push(target);
    targets.push({ name: target, ttl: ttlOf(cname) });
  }
  const end = chain[chain.length - 1]!;
  const addresses: AdmittedAddress[] = [];
  const stripped: { address: string; reason: string }[] = [];
  let found = false;
  for (const r of answers) {
    if (r.type !== qtype || canonicalName(r.name) !== end) continue;
    found = true;
    if (r.type === "A" || r.type === "AAAA") {
      const address = String((r as { data: unknown }).data);
      const why = rebinding(address);
      if (why) {
        stripped.push({ address, reason: why });
        continue;
      }
      addresses.push({ address, family: r.type === "A" ? 4 : 6, ttl: ttlOf(r) });
    }
    kept.push(r);
  }
  const ttls = kept.map(ttlOf);
  return {
    answers: kept,
    addresses,
    stripped,
    chainTargets: targets,
    dangling: !found && targets.length > 0 ? end : null,
    minTtl: ttls.length ? Math.min(...ttls) : null,
  };
}

/** The negative-caching TTL of an NXDOMAIN/NODATA answer (RFC 2308: min of the SOA's TTL and MINIMUM). */
export function negativeTtl(authorities: Answer[] | undefined): number | null {
  const soa = authorities?.find((r) => r.type === "SOA");
  if (!soa || soa.type !== "SOA") return null;
  return Math.min(ttlOf(soa), soa.data.minimum ?? ttlOf(soa));
}

/** A reply to `query` with the given code and records; RD copied, RA set, EDNS answered when asked. */
export function reply(query: Packet, rcode: number, answers: Answer[] = [], authorities: Answer[] = []): Packet {
  const edns = query.additionals?.some((r) => r.type === "OPT");
  return {
    id: query.id ?? 0,
    type: "response",
    flags: ((query.flags ?? 0) & RECURSION_DESIRED) | RECURSION_AVAILABLE | rcode,
    questions: query.questions ?? [],
    answers,
    authorities,
    additionals: edns
      ? [{ type: "OPT", name: ".", udpPayloadSize: 1232, flags: 0, options: [] } as unknown as Answer]
      : [],
  };
}

/** The largest UDP reply the client accepts: its EDNS payload size (512 to 4096), or 512 without EDNS. */
export function udpLimit(ednsSize: number | null): number {
  return Math.max(512, Math.min(ednsSize ?? 512, 4096));
}
