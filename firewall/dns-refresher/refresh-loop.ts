// The refresher's core: which names are due, resolve them, record the
// answers, write one nft transaction. Effects (clock, DNS, nft, log) are
// passed in, so unit tests run it on an injected clock and the daemon runs it
// for real.
import { renderSetUpdate } from "../nft-render.js";
import type { NameResolution } from "../dns/resolve-names.js";
import { elementsFor, prune, recordAnswer, type AddressBook, type Fresh, type Held } from "./address-book.js";
import { clampTtl, refreshDelayMs, retryDelayMs, type ScheduleConfig } from "./schedule.js";

export interface NameStatus {
  required: boolean;
  chain: string[];
  /** Clamped TTL of the last good answer, in seconds. */
  ttl: number | null;
  lastRefreshAt: number | null;
  nextRefreshAt: number;
  lastError: string | null;
  /** Failed resolutions in a row. */
  failures: number;
  dropped: { address: string; reason: string }[];
}

export interface RefresherDeps {
  now(): number;
  rand(): number;
  resolve(names: string[]): Promise<NameResolution[]>;
  /** Applies an nft script as one transaction; throws on failure. */
  apply(script: string): Promise<void>;
  log(line: string): void;
  /** What happened, for telemetry (optional). */
  report?(e: RefresherEvent): void;
  /** Addresses held outside the refresher's book (the DNS forwarder's), so its updates never shorten them. */
  heldElsewhere?(address: string): Held | undefined;
}

/** What the refresher reports beside its log: address changes, dropped answers, each question's outcome. */
export type RefresherEvent =
  | { kind: "address_change"; name: string; added: string[]; removed: string[] }
  | { kind: "drop"; name: string; address: string; reason: string }
  | { kind: "query"; name: string; outcome: "answered" | "failed" | "unreachable" };

export interface InitialName {
  name: string;
  required: boolean;
  chain: string[];
  addresses: (Fresh & { expiresAt: number })[];
  /** When bring-up resolved it; null when it did not resolve. */
  resolvedAt: number | null;
  problem?: string;
  /** Answers bring-up refused as rebinding risks (already logged there). */
  dropped?: { address: string; reason: string }[];
}

export interface Refresher {
  readonly book: AddressBook;
  readonly names: Map<string, NameStatus>;
  /** Set when the last nft transaction failed; cleared by the next good one. */
  lastApplyError: string | null;
  /** Set while no resolver answers: only one name is asked per step (a probe); the rest back off. */
  resolverDown: string | null;
  /** Resolves every name due now (or within the coalescing window); returns how many. */
  step(): Promise<number>;
  /** Epoch ms of the earliest scheduled refresh. */
  nextDueAt(): number;
}

/** Names due within this window are resolved together: fewer nft transactions, never later than due. */
const COALESCE_MS = 250;
/** Names resolved per step: the resolver's parallelism (resolve-names.ts). */
const MAX_BATCH = 64;

export function createRefresher(cfg: ScheduleConfig, deps: RefresherDeps, initial: InitialName[]): Refresher {
  const book: AddressBook = new Map();
  const names = new Map<string, NameStatus>();
  const start = deps.now();
  for (const n of initial) {
    const held = new Map<string, Held>();
    for (const a of n.addresses)
      held.set(a.address, { family: a.family, ttl: a.ttl, expiresAt: a.expiresAt, listed: true });
    book.set(n.name, held);
    const ttl = n.addresses.length ? Math.min(...n.addresses.map((a) => a.ttl)) : null;
    const next =
      ttl !== null && n.resolvedAt !== null
        ? Math.max(start, n.resolvedAt + refreshDelayMs(ttl, cfg, deps.rand))
        : start + retryDelayMs(1, cfg, deps.rand);
    names.set(n.name, {
      required: n.required,
      chain: n.chain,
      ttl,
      lastRefreshAt: n.resolvedAt,
      nextRefreshAt: next,
      lastError: n.problem ?? null,
      failures: ttl === null ? 1 : 0,
      dropped: n.dropped ?? [],
    });
  }

  const r: Refresher = {
    book,
    names,
    lastApplyError: null,
    resolverDown: null,
    nextDueAt: () => Math.min(...[...names.values()].map((s) => s.nextRefreshAt)),
    async step() {
      const now = deps.now();
      prune(book, now);
      // Most overdue first, at most one batch: a slow or dead resolver then
      // delays the rest by one batch's timeout, not by the whole list's.
      const allDue = [...names]
        .filter(([, s]) => s.nextRefreshAt <= now + COALESCE_MS)
        .sort(([, a], [, b]) => a.nextRefreshAt - b.nextRefreshAt)
        .map(([n]) => n);
      if (!allDue.length) return 0;
      // With every resolver unreachable, each question costs its full timeout:
      // probe with one name, back all the others off without asking.
      const due = r.resolverDown ? allDue : allDue.slice(0, MAX_BATCH);
      const asked = r.resolverDown ? due.slice(0, 1) : due;
      const results = await deps.resolve(asked);
      const t = deps.now();
      const allUnreachable = results.length > 0 && results.every((x) => x.unreachable);
      if (allUnreachable && !r.resolverDown)
        deps.log(
          `no resolver answers (${results[0]?.problems.join("; ") ?? ""}); probing with one name per step until one does`,
        );
      if (!allUnreachable && r.resolverDown) deps.log("a resolver answers again; refreshing every due name");
      r.resolverDown = allUnreachable ? (results[0]?.problems.join("; ") ?? "no resolver answers") : null;
      if (r.resolverDown && asked.length < due.length) {
        const msg = r.resolverDown;
        for (const n of due.slice(asked.length))
          results.push({
            name: n,
            v4: [],
            v6: [],
            chain: names.get(n)?.chain ?? [n],
            dropped: names.get(n)?.dropped ?? [],
            problems: [msg],
            unreachable: true,
          });
      }
      const refreshed: string[] = [];
      const refreshedNames: NameStatus[] = [];
      for (const res of results) {
        const s = names.get(res.name);
        if (!s) continue;
        const fresh: Fresh[] = [
          ...res.v4.map((x) => ({ address: x.address, family: 4 as const, ttl: clampTtl(x.ttl, cfg) })),
          ...res.v6.map((x) => ({ address: x.address, family: 6 as const, ttl: clampTtl(x.ttl, cfg) })),
        ];
        logDrops(deps, res, s);
        deps.report?.({
          kind: "query",
          name: res.name,
          outcome: fresh.length ? "answered" : res.unreachable ? "unreachable" : "failed",
        });
        s.dropped = res.dropped;
        s.chain = res.chain;
        if (fresh.length === 0) {
          // Resolver down, SERVFAIL, NXDOMAIN, or only refused answers: nothing
          // is added or extended; what was allowed expires on time.
          s.failures++;
          const msg = res.problems.join("; ") || "no address";
          // While no resolver answers, one line says so for all names.
          if (msg !== s.lastError && !(res.unreachable && r.resolverDown))
            deps.log(`${res.name}: ${msg}; keeping its last addresses only until they expire, retrying with backoff`);
          s.lastError = msg;
          s.nextRefreshAt = t + retryDelayMs(s.failures, cfg, deps.rand);
          continue;
        }
        logChanges(deps, res.name, book.get(res.name), fresh, t);
        if (s.lastError) deps.log(`${res.name}: resolves again`);
        recordAnswer(book, res.name, fresh, t, cfg.grace);
        const ttl = Math.min(...fresh.map((f) => f.ttl));
        Object.assign(s, {
          ttl,
          lastRefreshAt: t,
          lastError: null,
          failures: 0,
          nextRefreshAt: t + refreshDelayMs(ttl, cfg, deps.rand),
        });
        refreshed.push(...fresh.map((f) => f.address));
        refreshedNames.push(s);
      }
      const el = elementsFor(book, refreshed, t, deps.heldElsewhere);
      const script = renderSetUpdate(el.v4, el.v6);
      if (script) {
        try {
          await deps.apply(script);
          if (r.lastApplyError) deps.log("nft updates work again");
          r.lastApplyError = null;
        } catch (e) {
          const msg = (e as Error).message;
          if (msg !== r.lastApplyError)
            deps.log(`could not update the nft sets (nothing changed; old entries expire on time): ${msg}`);
          r.lastApplyError = msg;
          // Only the names whose update did not land; failed resolutions were rescheduled above.
          for (const s of refreshedNames) {
            s.failures++;
            s.nextRefreshAt = t + retryDelayMs(s.failures, cfg, deps.rand);
          }
        }
      }
      return due.length;
    },
  };
  return r;
}

function logDrops(deps: RefresherDeps, res: NameResolution, s: NameStatus): void {
  const before = new Set(s.dropped.map((d) => d.address));
  for (const d of res.dropped)
    if (!before.has(d.address)) {
      deps.log(`dropped ${d.address} for ${res.name}: ${d.reason}`);
      deps.report?.({ kind: "drop", name: res.name, address: d.address, reason: d.reason });
    }
}

function logChanges(
  deps: RefresherDeps,
  name: string,
  held: Map<string, Held> | undefined,
  fresh: Fresh[],
  now: number,
): void {
  const current = new Set(
    [...(held ?? new Map<string, Held>())].filter(([, h]) => h.listed && h.expiresAt > now).map(([a]) => a),
  );
  const next = new Set(fresh.map((f) => f.address));
  const added = [...next].filter((a) => !current.has(a));
  const gone = [...current].filter((a) => !next.has(a));
  if (added.length) deps.log(`${name}: new address${added.length > 1 ? "es" : ""} ${added.join(", ")}`);
  if (added.length || gone.length) deps.report?.({ kind: "address_change", name, added, removed: gone });
  for (const a of gone) {
    const h = held?.get(a) as Held;
    deps.log(
      `${name}: ${a} is no longer listed; it stays until ${new Date(h.expiresAt).toISOString()} (its last TTL + grace), then the kernel drops it`,
    );
  }
}
