// Following an A/AAAA answer along its CNAME chain, one reply at a time: what
// the stub resolver concludes from each reply, or which name it must ask next.
// Pure, so the resolver's per-question path and its batched first pass read
// replies the same way.
import { canonicalName } from "./names.js";
import type { DnsRecord } from "./wire-query.js";

export type RecordType = "A" | "AAAA";
export type ResolveStatus = "ok" | "nxdomain" | "nodata" | "servfail" | "error";

export interface ResolvedAddress {
  address: string;
  ttl: number;
}

export interface ResolveResult {
  name: string;
  type: RecordType;
  status: ResolveStatus;
  addresses: ResolvedAddress[];
  /** Names walked, starting with `name`; more than one when CNAMEs were followed. */
  chain: string[];
  /** Minimum TTL over every record used (CNAMEs and addresses); 0 when none. */
  ttl: number;
  /** For nxdomain/nodata: the negative-caching TTL from the SOA, when given. */
  negativeTtl?: number;
  /** The server could not be reached or did not answer (as opposed to a bad answer). */
  transport?: boolean;
  error?: string;
}

/** A reply as the walk reads it. */
export interface Answer {
  rcode: string;
  truncated: boolean;
  answers: DnsRecord[];
  authorities: DnsRecord[];
}

/** Where a walk stands: the chain so far and the name to ask next. */
export interface Walk {
  readonly start: string;
  readonly type: RecordType;
  readonly maxHops: number;
  readonly chain: string[];
  readonly seen: Set<string>;
  minTtl: number;
  current: string;
}

/** How many CNAMEs a walk follows unless told otherwise. */
export const MAX_CNAME_HOPS = 10;

export function startWalk(name: string, type: RecordType, maxHops: number): Walk {
  const start = canonicalName(name);
  return { start, type, maxHops, chain: [start], seen: new Set([start]), minTtl: Infinity, current: start };
}

/** The walk's result now, with this status. */
export function walkResult(w: Walk, status: ResolveStatus, extra: Partial<ResolveResult> = {}): ResolveResult {
  return {
    name: w.start,
    type: w.type,
    status,
    addresses: [],
    chain: w.chain,
    ttl: Number.isFinite(w.minTtl) ? w.minTtl : 0,
    ...extra,
  };
}

/** Minimum of the SOA's TTL and MINIMUM field (RFC 2308), if the authority section has one. */
function negativeTtl(a: Answer): number | undefined {
  const soa = a.authorities.find((r) => r.type === "SOA");
  if (!soa) return undefined;
  const min = (soa.data as { minimum?: number }).minimum ?? soa.ttl ?? 0;
  return Math.min(soa.ttl ?? min, min);
}

/**
 * Reads the reply to the question for `w.current`: a result, or null when the server stopped
 * mid-chain and the walk's new `current` must be asked (the caller bounds how often).
 */
export function walkReply(w: Walk, a: Answer): ResolveResult | null {
  const asked = w.current;
  if (a.rcode !== "NOERROR" && a.rcode !== "NXDOMAIN")
    return walkResult(w, a.rcode === "SERVFAIL" ? "servfail" : "error", {
      error: `${asked}: server answered ${a.rcode}`,
    });
  // Walk the chain inside this answer as far as it goes: one pass over the records per step, for
  // the records of the name we are at (its addresses in order, else its first CNAME). The refresher
  // runs this interpreted for every question, where filter and map made garbage per record.
  for (;;) {
    let addresses: ResolvedAddress[] | null = null;
    let cname: DnsRecord | undefined;
    for (let k = 0; k < a.answers.length; k++) {
      const r = a.answers[k]!;
      if (r.name !== w.current && canonicalName(r.name) !== w.current) continue;
      if (r.type === w.type) (addresses ??= []).push({ address: String(r.data), ttl: r.ttl ?? 0 });
      else if (r.type === "CNAME") cname ??= r;
    }
    if (addresses) {
      for (let k = 0; k < addresses.length; k++) w.minTtl = Math.min(w.minTtl, addresses[k]!.ttl);
      return walkResult(w, "ok", { addresses });
    }
    if (!cname) break;
    const target = canonicalName(String(cname.data));
    w.minTtl = Math.min(w.minTtl, cname.ttl ?? 0);
    if (w.seen.has(target)) {
      w.chain.push(target);
      return walkResult(w, "error", { error: `CNAME loop: ${w.chain.join(" -> ")}` });
    }
    if (w.chain.length > w.maxHops)
      return walkResult(w, "error", { error: `CNAME chain longer than ${w.maxHops} hops: ${w.chain.join(" -> ")}` });
    w.seen.add(target);
    w.chain.push(target);
    w.current = target;
  }
  if (a.rcode === "NXDOMAIN") {
    const what =
      w.chain.length > 1
        ? `${w.start} is a CNAME to ${w.current}, which does not exist (NXDOMAIN)`
        : `no such name (NXDOMAIN)`;
    return walkResult(w, "nxdomain", { error: what, negativeTtl: negativeTtl(a) });
  }
  // The server stopped mid-chain: ask for where we are now, unless the name
  // we just asked about came back with nothing at all.
  if (!a.answers.some((r) => canonicalName(r.name) === asked))
    return walkResult(w, "nodata", {
      error:
        w.chain.length > 1
          ? `${w.start} is a CNAME to ${w.current}, which has no ${w.type} record`
          : `no ${w.type} record`,
      negativeTtl: negativeTtl(a),
    });
  return null;
}
