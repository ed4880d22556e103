// The forwarder's answer cache: by name, type and class, until the clamped
// TTL runs out, least recently used first out when full. A hit serves the
// records with their TTLs counted down (never past the entry's end, so a client
// never holds an address longer than the firewall does) and extends nothing.
// Pure: time comes in as `now`.
import type { Answer } from "dns-packet";

export interface CachedAnswer {
  rcode: number;
  answers: Answer[];
  authorities: Answer[];
  expiresAt: number;
}

export class AnswerCache {
  private readonly entries = new Map<string, CachedAnswer>();
  constructor(private readonly max: number) {}

  static key(name: string, type: string, klass = "IN"): string {
    return `${name}|${type}|${klass}`;
  }

  get(key: string, now: number): CachedAnswer | null {
    const e = this.entries.get(key);
    if (!e) return null;
    if (e.expiresAt <= now) {
      this.entries.delete(key);
      return null;
    }
    // Refresh its place in the LRU order.
    this.entries.delete(key);
    this.entries.set(key, e);
    return e;
  }

  set(key: string, e: CachedAnswer): void {
    this.entries.delete(key);
    this.entries.set(key, e);
    while (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value as string);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Drops what has expired; returns how many went. */
  prune(now: number): number {
    let n = 0;
    for (const [k, e] of this.entries)
      if (e.expiresAt <= now) {
        this.entries.delete(k);
        n++;
      }
    return n;
  }
}

/** Records as served at `now`: each TTL counted down to what is left of the entry, at most its own. */
export function countedDown(records: Answer[], expiresAt: number, now: number): Answer[] {
  const left = Math.max(0, Math.floor((expiresAt - now) / 1000));
  return records.map((r) => ("ttl" in r ? { ...r, ttl: Math.min(r.ttl ?? 0, left) } : r));
}
