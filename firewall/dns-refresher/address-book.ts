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

/**
 * name -> address -> held, with the reverse index (address -> the names holding it) that
 * recordAnswer and prune keep in step, so a refresh step looks at the holders of the addresses it
 * touched instead of walking every name's addresses (the whole book, at every step).
 */
export class AddressBook extends Map<string, Map<string, Held>> {
  readonly holders = new Map<string, Set<string>>();

  /** A name's addresses, indexed as they are now (recordAnswer indexes the ones it adds later). */
  override set(name: string, held: Map<string, Held>): this {
    super.set(name, held);
    held.forEach((_, address) => addHolder(this, address, name));
    return this;
  }
}

export interface Fresh {
  address: string;
  family: 4 | 6;
  /** Clamped TTL in seconds. */
  ttl: number;
}

function addHolder(book: AddressBook, address: string, name: string): void {
  const names = book.holders.get(address);
  if (names) names.add(name);
  else book.holders.set(address, new Set([name]));
}

/**
 * Records a name's fresh answer at `now`. Addresses it no longer lists are not
 * cut early: they linger until their old expiry (as a DNS cache would keep
 * them), are no longer refreshed, and the kernel drops them then.
 */
export function recordAnswer(book: AddressBook, name: string, fresh: Fresh[], now: number, grace: number): void {
  let held = book.get(name);
  if (!held) {
    held = new Map<string, Held>();
    book.set(name, held);
  }
  for (const h of held.values()) h.listed = false;
  for (const f of fresh) {
    if (!held.has(f.address)) addHolder(book, f.address, name);
    held.set(f.address, { family: f.family, ttl: f.ttl, expiresAt: now + (f.ttl + grace) * 1000, listed: true });
  }
}

/** Forgets everything that has expired by `now`; returns how many entries went. */
export function prune(book: AddressBook, now: number): number {
  // forEach, not for-of over entries: no [key, value] array per entry.
  let n = 0;
  book.forEach((held, name) =>
    held.forEach((h, address) => {
      if (h.expiresAt <= now) {
        held.delete(address);
        const names = book.holders.get(address);
        names?.delete(name);
        if (names?.size === 0) book.holders.delete(address);
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
  // Only the names holding each wanted address are looked at (the book's reverse index).
  const out: Hold[] = [];
  const seen = new Set<string>();
  for (const address of addresses) {
    if (seen.has(address)) continue;
    seen.add(address);
    let mine: Held | undefined;
    book.holders.get(address)?.forEach((name) => {
      const h = book.get(name)?.get(address);
      if (h && (!mine || h.expiresAt > mine.expiresAt)) mine = h;
    });
    const other = elsewhere?.(address);
    const h = other && (!mine || other.expiresAt > mine.expiresAt) ? other : mine;
    if (h && h.expiresAt > now) out.push({ address, family: h.family, expiresAt: h.expiresAt });
  }
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
