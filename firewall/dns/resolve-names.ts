// Resolves every allowed name (A and AAAA) with bounded parallelism, trying
// each resolver in turn, and filters rebinding answers. Unbounded parallel UDP
// loses packets; 64 in flight was measured to be the sweet spot.
import { askEach, queryDns, type BatchQuestion, type ResolveResult, type RecordType } from "./resolver.js";
import { MAX_CNAME_HOPS, startWalk, walkReply } from "./chain-walk.js";
import type { AddressReply } from "./wire-query.js";
import { rebindingReason, type RebindPolicy } from "../rebinding.js";

export interface NameResolution {
  name: string;
  /** Accepted addresses with their TTL (the chain's minimum, unclamped). */
  v4: { address: string; ttl: number }[];
  v6: { address: string; ttl: number }[];
  chain: string[];
  /** Answers refused by the rebinding filter, with the reason. */
  dropped: { address: string; reason: string }[];
  /** Empty when fine; otherwise why the name has no usable address. */
  problems: string[];
  /** Every resolver was unreachable for both questions (nothing was learnt about the name). */
  unreachable?: boolean;
}

export async function mapLimit<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

const TIMEOUT_MS = 800;
/** Questions in flight at once: 64 names, A and AAAA each. */
const WINDOW = 128;

/**
 * What the first resolver's one reply settles: a result when the reply ends the walk (addresses,
 * NXDOMAIN, no data, a loop) or SERVFAIL and the like (which go on to the next resolver); "retry"
 * when it does not (no reply yet, truncated, a chain that continues in another reply): then the
 * question is asked again the full way.
 */
function firstPass(reply: AddressReply | null, name: string, type: RecordType): ResolveResult | "timeout" | "retry" {
  if (reply === null) return "timeout";
  if (reply.truncated) return "retry";
  return walkReply(startWalk(name, type, MAX_CNAME_HOPS), reply) ?? "retry";
}

async function resolveWithFallback(
  resolvers: string[],
  name: string,
  type: RecordType,
  first: ResolveResult | "timeout" | "retry",
  port: number,
  timeoutMs: number,
): Promise<ResolveResult> {
  let last: ResolveResult | undefined;
  for (const [i, server] of resolvers.entries()) {
    if (i === 0 && typeof first !== "string") last = first;
    else
      last = await queryDns(
        // A first pass without a reply was this server's first attempt: one more, as before.
        { server, port, timeoutMs, attempts: i === 0 && first === "timeout" ? 1 : 2 },
        name,
        type,
      );
    // A definite answer (including "no such name") ends the search; only transport errors and SERVFAIL fall through.
    if (last.status !== "error" && last.status !== "servfail") return last;
  }
  return last as ResolveResult;
}

export async function resolveNames(
  names: string[],
  resolvers: string[],
  rebind: RebindPolicy,
  maxPerName: number,
  onProgress?: (done: number, total: number) => void,
  /** The resolvers' port and the per-attempt timeout (tests use a scripted server on another port). */
  opts: { port?: number; timeoutMs?: number } = {},
): Promise<NameResolution[]> {
  const timeoutMs = opts.timeoutMs ?? TIMEOUT_MS;
  const port = opts.port ?? 53;
  let done = 0;
  // First pass: every question once to the first resolver, under one timer. Most names end there;
  // the rest (no reply, truncated, a chain to follow, SERVFAIL) go the full way, with retries,
  // TCP and the other resolvers.
  const questions: BatchQuestion[] = [];
  for (const name of names) questions.push({ name, type: "A" }, { name, type: "AAAA" });
  const replies = resolvers[0]
    ? await askEach({ server: resolvers[0], port, timeoutMs }, questions, WINDOW)
    : questions.map(() => null);
  const settled = (i: number, type: RecordType): ResolveResult | "timeout" | "retry" =>
    firstPass(replies[i] ?? null, names[i >> 1] as string, type);
  const isFinal = (r: ResolveResult | "timeout" | "retry"): r is ResolveResult =>
    typeof r !== "string" && r.status !== "error" && r.status !== "servfail";
  const full = (r: ResolveResult | "timeout" | "retry", name: string, type: RecordType) =>
    isFinal(r) ? r : resolveWithFallback(resolvers, name, type, r, port, timeoutMs);
  const out = new Array<NameResolution>(names.length);
  // A name both of whose first-pass replies are final (most of them) is put together here and now:
  // no promise, worker or Promise.all per name (the refresher runs interpreted, where each of those
  // is garbage to collect). The rest go the full way, 64 names at a time.
  const rest: { i: number; a: ResolveResult | "timeout" | "retry"; aaaa: ResolveResult | "timeout" | "retry" }[] = [];
  for (let i = 0; i < names.length; i++) {
    const a = settled(2 * i, "A");
    const aaaa = settled(2 * i + 1, "AAAA");
    if (isFinal(a) && isFinal(aaaa)) {
      out[i] = nameResolution(names[i] as string, a, aaaa, rebind, maxPerName);
      onProgress?.(++done, names.length);
    } else rest.push({ i, a, aaaa });
  }
  await mapLimit(rest, 64, async ({ i, a, aaaa }) => {
    const name = names[i] as string;
    const [ra, raaaa] = await Promise.all([full(a, name, "A"), full(aaaa, name, "AAAA")]);
    out[i] = nameResolution(name, ra, raaaa, rebind, maxPerName);
    onProgress?.(++done, names.length);
  });
  return out;
}

/** A name's resolution from its A and AAAA results: the rebinding filter, the per-name cap, and why there is nothing. */
function nameResolution(
  name: string,
  a: ResolveResult,
  aaaa: ResolveResult,
  rebind: RebindPolicy,
  maxPerName: number,
): NameResolution {
  const r: NameResolution = {
    name,
    v4: [],
    v6: [],
    chain: a.chain.length >= aaaa.chain.length ? a.chain : aaaa.chain,
    dropped: [],
    problems: [],
    ...(a.transport && aaaa.transport ? { unreachable: true } : {}),
  };
  const take = (res: ResolveResult, list: NameResolution["v4"]) => {
    for (let k = 0; k < res.addresses.length; k++) {
      const address = res.addresses[k]!.address;
      const why = rebindingReason(name, address, rebind);
      if (why) r.dropped.push({ address, reason: why });
      else if (list.length < maxPerName) list.push({ address, ttl: res.ttl });
    }
  };
  take(a, r.v4);
  take(aaaa, r.v6);
  if (r.v4.length + r.v6.length === 0) {
    const errs = [a, aaaa].filter((x) => x.status !== "ok" && x.status !== "nodata").map((x) => x.error ?? x.status);
    if (r.dropped.length)
      r.problems.push(
        `every answer was refused as a rebinding risk (${r.dropped.map((d) => `${d.address}: ${d.reason}`).join("; ")})`,
      );
    else if (errs.length) r.problems.push(...new Set(errs));
    else r.problems.push(a.chain.length > 1 ? (a.error ?? "no address") : "no A or AAAA record");
  }
  return r;
}
