// The refresher's core: which names are due, resolve them, record the
// answers, write one nft transaction. Effects (clock, DNS, nft, log) are
// passed in, so unit tests run it on an injected clock and the daemon runs it
// for real.
import { renderSetUpdate } from "../nft-render.js";
import type { NameResolution } from "../dns/resolve-names.js";
import { AddressBook, latestHolds, prune, recordAnswer, type Fresh, type Held } from "./address-book.js";
import { dueWrite, markWritten, nextDeadline, setWant, type KernelPlan } from "./kernel-plan.js";
import {
  clampTtl,
  earlyWindowMs,
  firstRefreshDelayMs,
  refreshDelayMs,
  retryDelayMs,
  writeAheadMs,
  type ScheduleConfig,
} from "./schedule.js";

export interface NameStatus {
  required: boolean;
  chain: string[];
  /** Clamped TTL of the last good answer, in seconds. */
  ttl: number | null;
  lastRefreshAt: number | null;
  nextRefreshAt: number;
  /** From when a step may ask it with others (earlyWindowMs); nextRefreshAt when it is not a plain refresh. */
  askFrom: number;
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
  /** What the kernel sets hold for the book's addresses, and what is still to be written. */
  readonly kernel: KernelPlan;
  readonly names: Map<string, NameStatus>;
  /** Set when the last nft transaction failed; cleared by the next good one. */
  lastApplyError: string | null;
  /** Set while no resolver answers: only one name is asked per step (a probe); the rest back off. */
  resolverDown: string | null;
  /**
   * Counts what a reader of the status should see soon: a name's addresses changed, a name failed
   * with a new error or resolves again, a new answer was dropped, the resolver or nft writes broke
   * or recovered. A refresh that only confirms what was known does not count: the daemon writes
   * those with its heartbeat, not within 2 s.
   */
  notable: number;
  /** Resolves every name due now (or within the coalescing window) and writes what the kernel needs by now; returns how many names. */
  step(): Promise<number>;
  /** Epoch ms of the earliest scheduled refresh or kernel write. */
  nextDueAt(): number;
}

/** Names due within this window are resolved together: fewer nft transactions, never later than due. */
const COALESCE_MS = 250;
/** Names resolved per step: the resolver's parallelism (resolve-names.ts). */
const MAX_BATCH = 64;
/** The book forgets expired entries at most this often. */
const PRUNE_EVERY_MS = 1000;

export function createRefresher(cfg: ScheduleConfig, deps: RefresherDeps, initial: InitialName[]): Refresher {
  const book = new AddressBook();
  const names = new Map<string, NameStatus>();
  const kernel: KernelPlan = new Map();
  const writeAhead = writeAheadMs(cfg);
  /** No nft write before this (backoff after a failed one). */
  let writeRetryAt = 0;
  let writeFailures = 0;
  let prunedAt = -Infinity;
  const start = deps.now();
  for (const n of initial) {
    const held = new Map<string, Held>();
    for (const a of n.addresses) {
      held.set(a.address, { family: a.family, ttl: a.ttl, expiresAt: a.expiresAt, listed: true });
      // The bring-up wrote these expiries.
      const k = kernel.get(a.address);
      if (!k || k.want < a.expiresAt)
        kernel.set(a.address, { family: a.family, want: a.expiresAt, written: a.expiresAt });
    }
    book.set(n.name, held);
    const ttl = n.addresses.length ? Math.min(...n.addresses.map((a) => a.ttl)) : null;
    let next: number;
    let askFrom: number;
    if (ttl !== null && n.resolvedAt !== null) {
      const delay = firstRefreshDelayMs(ttl, cfg, deps.rand);
      next = Math.max(start, n.resolvedAt + delay);
      askFrom = Math.max(start, n.resolvedAt + delay - earlyWindowMs(ttl, delay, cfg));
    } else next = askFrom = start + retryDelayMs(1, cfg, deps.rand);
    names.set(n.name, {
      required: n.required,
      chain: n.chain,
      ttl,
      lastRefreshAt: n.resolvedAt,
      nextRefreshAt: next,
      askFrom,
      lastError: n.problem ?? null,
      failures: ttl === null ? 1 : 0,
      dropped: n.dropped ?? [],
    });
  }

  /** Writes what the kernel needs by now (every pending extension at once), if anything is due. */
  const writeDue = async (t: number, refreshedNames: NameStatus[]) => {
    if (t < writeRetryAt) return;
    const w = dueWrite(kernel, t, writeAhead, COALESCE_MS);
    const script = w ? renderSetUpdate(w.v4, w.v6, w.del4, w.del6) : "";
    if (!w || !script) return;
    try {
      await deps.apply(script);
      markWritten(kernel, w.expiries);
      if (r.lastApplyError) {
        deps.log("nft updates work again");
        r.notable++;
      }
      r.lastApplyError = null;
      writeFailures = 0;
    } catch (e) {
      const msg = (e as Error).message;
      if (msg !== r.lastApplyError) {
        deps.log(`could not update the nft sets (nothing changed; old entries expire on time): ${msg}`);
        r.notable++;
      }
      r.lastApplyError = msg;
      writeRetryAt = t + retryDelayMs(++writeFailures, cfg, deps.rand);
      // The names whose update did not land are asked again too; failed resolutions were rescheduled already.
      for (const s of refreshedNames) {
        s.failures++;
        s.nextRefreshAt = s.askFrom = t + retryDelayMs(s.failures, cfg, deps.rand);
      }
    }
  };

  const r: Refresher = {
    book,
    kernel,
    names,
    lastApplyError: null,
    resolverDown: null,
    notable: 0,
    nextDueAt: () => {
      let next = Math.max(nextDeadline(kernel, writeAhead), writeRetryAt);
      names.forEach((s) => {
        if (s.nextRefreshAt < next) next = s.nextRefreshAt;
      });
      return next;
    },
    async step() {
      const now = deps.now();
      // Expired entries serve nothing (every reader checks the expiry); forgetting them walks the
      // whole book, so at most once a second, not at every step.
      if (now - prunedAt >= PRUNE_EVERY_MS) {
        prune(book, now);
        prunedAt = now;
      }
      // Most overdue first, at most one batch: a slow or dead resolver then
      // delays the rest by one batch's timeout, not by the whole list's.
      // (forEach: this runs on every wake-up, and spreading the map made an array per name each time)
      // The sum once, and a comparator that returns small integers: the daemon runs interpreted,
      // where each sum or difference of epoch milliseconds is a new heap number.
      const horizon = now + COALESCE_MS;
      const dueNow: { name: string; at: number }[] = [];
      names.forEach((s, name) => {
        if (s.askFrom <= horizon) dueNow.push({ name, at: s.nextRefreshAt });
      });
      // Most overdue first matters only when not all of them are asked now.
      if (r.resolverDown || dueNow.length > MAX_BATCH) dueNow.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
      const allDue = dueNow.map((d) => d.name);
      if (!allDue.length) {
        await writeDue(now, []);
        return 0;
      }
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
      if (allUnreachable !== Boolean(r.resolverDown)) r.notable++;
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
        if (logDrops(deps, res, s)) r.notable++;
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
          if (msg !== s.lastError) {
            r.notable++;
            if (!(res.unreachable && r.resolverDown))
              deps.log(`${res.name}: ${msg}; keeping its last addresses only until they expire, retrying with backoff`);
          }
          s.lastError = msg;
          s.nextRefreshAt = s.askFrom = t + retryDelayMs(s.failures, cfg, deps.rand);
          continue;
        }
        if (logChanges(deps, res.name, book.get(res.name), fresh, t)) r.notable++;
        if (s.lastError) {
          deps.log(`${res.name}: resolves again`);
          r.notable++;
        }
        recordAnswer(book, res.name, fresh, t, cfg.grace);
        const ttl = Math.min(...fresh.map((f) => f.ttl));
        const delay = refreshDelayMs(ttl, cfg, deps.rand);
        Object.assign(s, {
          ttl,
          lastRefreshAt: t,
          lastError: null,
          failures: 0,
          nextRefreshAt: t + delay,
          askFrom: t + delay - earlyWindowMs(ttl, delay, cfg),
        });
        refreshed.push(...fresh.map((f) => f.address));
        refreshedNames.push(s);
      }
      for (const h of latestHolds(book, refreshed, t, deps.heldElsewhere))
        setWant(kernel, h.address, h.family, h.expiresAt);
      await writeDue(t, refreshedNames);
      return due.length;
    },
  };
  return r;
}

/** Logs the answers dropped that were not dropped last time; true when there were any. */
function logDrops(deps: RefresherDeps, res: NameResolution, s: NameStatus): boolean {
  if (res.dropped.length === 0) return false;
  const before = new Set(s.dropped.map((d) => d.address));
  let any = false;
  for (const d of res.dropped)
    if (!before.has(d.address)) {
      deps.log(`dropped ${d.address} for ${res.name}: ${d.reason}`);
      deps.report?.({ kind: "drop", name: res.name, address: d.address, reason: d.reason });
      any = true;
    }
  return any;
}

/** Logs how a name's listed addresses change with this answer; true when they do. */
function logChanges(
  deps: RefresherDeps,
  name: string,
  held: Map<string, Held> | undefined,
  fresh: Fresh[],
  now: number,
): boolean {
  // Most answers change nothing: tell that without building sets (this runs for every answer).
  let listed = 0;
  let unchanged = true;
  held?.forEach((h, a) => {
    if (!h.listed || h.expiresAt <= now) return;
    listed++;
    if (unchanged && !freshHas(fresh, a)) unchanged = false;
  });
  if (unchanged && listed === fresh.length) return false;
  const current = new Set<string>();
  held?.forEach((h, a) => {
    if (h.listed && h.expiresAt > now) current.add(a);
  });
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
  return added.length > 0 || gone.length > 0;
}

function freshHas(fresh: Fresh[], address: string): boolean {
  for (let k = 0; k < fresh.length; k++) if (fresh[k]!.address === address) return true;
  return false;
}
