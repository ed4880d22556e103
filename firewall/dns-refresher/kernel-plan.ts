// What the kernel sets should hold for each address the refresher keeps, and
// when that must be written. Pure: plain data and an explicit `now`.
//
// Why: every nft transaction is a process started from the daemon, and most of
// the daemon's CPU was those starts. A refreshed address's expiry moves later
// on every refresh, but the kernel does not need the later expiry at once: the
// write can wait while the element the kernel holds still has `writeAhead` to
// go, and then one transaction carries every pending extension together. The
// kernel never holds an address longer than its last answer's TTL + grace
// (what is written is always the current expiry, never more), so a daemon
// stopped for good still lets everything expire on time; while it runs, the
// kernel holds each address at least `writeAhead` ahead and, once written, until
// its last answer's TTL + grace.
import type { TimedElement } from "../nft-render.js";

export interface KernelEntry {
  family: 4 | 6;
  /** Epoch ms the address should expire at: the latest among its holders. */
  want: number;
  /** Epoch ms the kernel was last told (by this daemon); null when unknown. */
  written: number | null;
}

/** address -> entry. */
export type KernelPlan = Map<string, KernelEntry>;

export interface PlannedWrite {
  v4: TimedElement[];
  v6: TimedElement[];
  /** Elements to remove now: the kernel holds them past an expiry that has come. */
  del4: string[];
  del6: string[];
  /** address -> the expiry this write sets, for markWritten once it lands. */
  expiries: Map<string, number>;
}

/** Records the expiry an address should have (its holders' latest). */
export function setWant(plan: KernelPlan, address: string, family: 4 | 6, want: number): void {
  const e = plan.get(address);
  if (e) {
    e.want = want;
    e.family = family;
  } else plan.set(address, { family, want, written: null });
}

/** After a transaction landed: the kernel holds these until then. */
export function markWritten(plan: KernelPlan, expiries: Map<string, number>): void {
  for (const [address, until] of expiries) {
    const e = plan.get(address);
    if (e) e.written = until;
  }
}

/**
 * When an entry must be written at the latest: at once when the kernel's expiry is unknown or later
 * than wanted (a shorter TTL now), `writeAheadMs` before the kernel's expiry when that is earlier
 * than wanted, never when they agree.
 */
export function deadline(e: KernelEntry, writeAheadMs: number): number {
  return pendingFrom(e) - writeAheadMs;
}

/**
 * deadline() before the write-ahead is taken off: -Infinity (write now), the kernel's expiry, or
 * Infinity (nothing pending). The scans below, run after every step over every address in a daemon
 * that runs interpreted, compare this against a bound summed once: no arithmetic per entry, where
 * each result would be a new heap number.
 */
function pendingFrom(e: KernelEntry): number {
  if (e.written === null || e.written > e.want) return -Infinity;
  return e.written < e.want ? e.written : Infinity;
}

/** The earliest deadline in the plan (Infinity when nothing is pending). */
export function nextDeadline(plan: KernelPlan, writeAheadMs: number): number {
  // forEach: for-of made an iterator result per entry.
  let earliest = Infinity;
  plan.forEach((e) => {
    const p = pendingFrom(e);
    if (p < earliest) earliest = p;
  });
  return earliest - writeAheadMs;
}

/**
 * Forgets entries whose expiry has passed, and returns the write due now: nothing while every
 * deadline is more than `slackMs` away; otherwise every pending entry at once, each with its
 * current expiry, so one transaction serves them all.
 */
export function dueWrite(plan: KernelPlan, now: number, writeAheadMs: number, slackMs: number): PlannedWrite | null {
  // forEach rather than for-of over entries: no [key, value] array per entry, every step.
  let due = false;
  // deadline(e) <= now + slackMs, with the sum taken once (see pendingFrom).
  const writtenBy = now + slackMs + writeAheadMs;
  plan.forEach((e, address) => {
    if (e.want <= now) {
      // Past its expiry: the kernel has dropped it, unless it was told a later one.
      if (e.written === null || e.written <= now) plan.delete(address);
      else due = true;
    } else if (pendingFrom(e) <= writtenBy) due = true;
  });
  if (!due) return null;
  const w: PlannedWrite = { v4: [], v6: [], del4: [], del6: [], expiries: new Map() };
  plan.forEach((e, address) => {
    if (e.want <= now) {
      (e.family === 4 ? w.del4 : w.del6).push(address);
      w.expiries.set(address, e.want);
    } else if (e.written !== e.want) {
      (e.family === 4 ? w.v4 : w.v6).push({ address, timeout: Math.ceil((e.want - now) / 1000) });
      w.expiries.set(address, e.want);
    }
  });
  return w;
}

/** A kernel timeout is whole seconds from when its write landed: how far past a recorded expiry it may run. */
export const KERNEL_SLACK_MS = 2000;

/**
 * Whether the kernel may still hold `address` at `now`, as far as this daemon knows: the plan wrote
 * it, or `otherUntil` (another writer's record of its own expiry) says so. False only when neither
 * did, or both lapsed: then a `create` should find the element absent (and fails safely if not).
 */
export function mayHold(plan: KernelPlan, address: string, now: number, otherUntil?: number): boolean {
  const written = plan.get(address)?.written ?? null;
  return (
    (written !== null && written + KERNEL_SLACK_MS > now) ||
    (otherUntil !== undefined && otherUntil + KERNEL_SLACK_MS > now)
  );
}
