// Which name holds which address until when. Pure: plain data and an explicit
// `now`. An address enters the kernel set with the latest expiry among all the
// names holding it, so an address shared by several names stays while any of
// them still has it, and the kernel drops it on its own when none does.
import type { TimedElement } from "../nft-render.js";

export interface Held {
  family: 4 | 6;
  /** The clamped TTL it was last seen with, in seconds. */
  ttl: number;
  /** Epoch ms after which the kernel has dropped it (unless another name holds it longer). */
  expiresAt: number;
  /** False once the name's answers stopped listing it (it lingers until expiry). */
  listed: boolean;
}

/** name -> address -> held. */
export type AddressBook = Map<string, Map<string, Held>>;

export interface Fresh {
  address: string;
  family: 4 | 6;
  /** Clamped TTL in seconds. */
  ttl: number;
}

/**
 * Records a name's fresh answer at `now`. Addresses it no longer lists are not
 * cut early: they linger until their old expiry (as a DNS cache would keep
 * them), are no longer refreshed, and the kernel drops them then.
 */
export function recordAnswer(book: AddressBook, name: string, fresh: Fresh[], now: number, grace: number): void {
  const held = book.get(name) ?? new Map<string, Held>();
  for (const h of held.values()) h.listed = false;
  for (const f of fresh)
    held.set(f.address, { family: f.family, ttl: f.ttl, expiresAt: now + (f.ttl + grace) * 1000, listed: true });
  book.set(name, held);
}

/** Forgets everything that has expired by `now`; returns how many entries went. */
export function prune(book: AddressBook, now: number): number {
  // forEach, not for-of over entries: no [key, value] array per entry on a path run every step.
  let n = 0;
  book.forEach((held) =>
    held.forEach((h, address) => {
      if (h.expiresAt <= now) {
        held.delete(address);
        n++;
      }
    }),
  );
  return n;
}

/** An address and the latest expiry among the names (and the forwarder) holding it. */
export interface Hold {
  address: string;
  family: 4 | 6;
  expiresAt: number;
}

/**
 * The latest unexpired hold for each of `addresses`, once each, in the order asked. `elsewhere` names
 * holders outside the book (the DNS forwarder's admissions), so an update from one never cuts short
 * an element the other holds longer.
 */
export function latestHolds(
  book: AddressBook,
  addresses: Iterable<string>,
  now: number,
  elsewhere?: (address: string) => Held | undefined,
): Hold[] {
  // One pass over the book for the wanted addresses only: this runs on every refresh step, and a
  // map of every address in the book each time was a share of the daemon's garbage.
  const best = new Map<string, Held | undefined>();
  for (const a of addresses) best.set(a, undefined);
  if (best.size === 0) return [];
  book.forEach((held) =>
    held.forEach((h, address) => {
      if (!best.has(address)) return;
      const b = best.get(address);
      if (!b || h.expiresAt > b.expiresAt) best.set(address, h);
    }),
  );
  const out: Hold[] = [];
  best.forEach((mine, address) => {
    const other = elsewhere?.(address);
    const h = other && (!mine || other.expiresAt > mine.expiresAt) ? other : mine;
    if (h && h.expiresAt > now) out.push({ address, family: h.family, expiresAt: h.expiresAt });
  });
  return out;
}

/** Kernel set elements for `addresses`: timeout = latest expiry among holders, rounded up to whole seconds. */
export function elementsFor(
  book: AddressBook,
  addresses: Iterable<string>,
  now: number,
  elsewhere?: (address: string) => Held | undefined,
): { v4: TimedElement[]; v6: TimedElement[] } {
  return elementsOf(latestHolds(book, addresses, now, elsewhere), now);
}

/** Kernel set elements for holds at `now`, by family: the timeout rounded up to whole seconds. */
export function elementsOf(holds: Hold[], now: number): { v4: TimedElement[]; v6: TimedElement[] } {
  const out = { v4: [] as TimedElement[], v6: [] as TimedElement[] };
  for (const h of holds)
    (h.family === 4 ? out.v4 : out.v6).push({ address: h.address, timeout: Math.ceil((h.expiresAt - now) / 1000) });
  return out;
}
