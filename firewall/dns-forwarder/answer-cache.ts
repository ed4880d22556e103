// The forwarder's answer cache: by name, type and class, until the clamped
// TTL runs out, least recently used first out when full. A hit extends
// nothing. Pure: time comes in as `now`.

export class AnswerCache<T extends { expiresAt: number }> {
  private readonly entries = new Map<string, T>();
  constructor(private readonly max: number) {}

  /** Name (lowercase), numeric type and class. */
  static key(name: string, type: number, klass = 1): string {
    return `${name}|${type}|${klass}`;
  }

  get(key: string, now: number): T | null {
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

  set(key: string, e: T): void {
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
