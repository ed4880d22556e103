// Variable-size records in one Buffer, found through a Map from key to
// offset: what the forwarder keeps per name (a cached reply, an admission)
// without a JS object, a boxed number and a string per entry, which cost
// about 370 bytes of heap a name at 100k names. The Map's order is the age
// order (oldest first): the oldest go first past `maxRecords`. Dead records
// are left in place until the buffer is full, then the live ones are copied
// into a buffer sized for them. Pure (no I/O).

export class RecordArena<K> {
  private readonly index = new Map<K, number>();
  private buf: Buffer;
  /** First free byte. */
  private end = 0;
  /** Bytes of records no longer indexed. */
  private dead = 0;

  constructor(
    private readonly maxRecords: number,
    private readonly minBytes = 64 * 1024,
  ) {
    this.buf = Buffer.allocUnsafe(minBytes);
  }

  get size(): number {
    return this.index.size;
  }

  /** The buffer records live in; valid until the next put (which may move them). */
  get bytes(): Buffer {
    return this.buf;
  }

  /** Where the key's record starts, or -1. */
  find(key: K): number {
    const at = this.index.get(key);
    return at === undefined ? -1 : at + 4;
  }

  /** The byte length of the record starting at `at`. */
  length(at: number): number {
    return this.buf.readUInt32LE(at - 4);
  }

  /** Makes the key's record the youngest (used on a hit: least recently used goes first). */
  touch(key: K): void {
    const at = this.index.get(key);
    if (at === undefined) return;
    this.index.delete(key);
    this.index.set(key, at);
  }

  /** Stores a record of `len` bytes, written by `write` at `at`; it replaces the key's old one. */
  put(key: K, len: number, write: (buf: Buffer, at: number) => void): void {
    this.delete(key);
    this.reserve(4 + len);
    const at = this.end;
    this.buf.writeUInt32LE(len, at);
    write(this.buf, at + 4);
    this.end += 4 + len;
    this.index.set(key, at);
    while (this.index.size > this.maxRecords) this.delete(this.index.keys().next().value as K);
  }

  delete(key: K): boolean {
    const at = this.index.get(key);
    if (at === undefined) return false;
    this.dead += 4 + this.buf.readUInt32LE(at);
    this.index.delete(key);
    return true;
  }

  /** The keys, oldest first. */
  keys(): IterableIterator<K> {
    return this.index.keys();
  }

  /** Deletes every record `test` picks (given the buffer and where the record starts); how many went. */
  deleteWhere(test: (buf: Buffer, at: number) => boolean): number {
    let n = 0;
    for (const [k, at] of this.index)
      if (test(this.buf, at + 4)) {
        // Deleting the entry being visited is safe in a Map's iteration.
        this.delete(k);
        n++;
      }
    return n;
  }

  /**
   * Room for `n` more bytes: compacts the live records into a buffer a quarter again their size: at
   * 100k names (about 15 MB of records) that is 4 MB less slack than half again, for a few more
   * bytes copied per byte stored.
   */
  private reserve(n: number): void {
    if (this.end + n <= this.buf.length) return;
    const live = this.end - this.dead;
    const next = Buffer.allocUnsafe(Math.max(this.minBytes, Math.ceil((live + n) * 1.25)));
    let end = 0;
    for (const [k, at] of this.index) {
      const len = 4 + this.buf.readUInt32LE(at);
      this.buf.copy(next, end, at, at + len);
      this.index.set(k, end);
      end += len;
    }
    this.buf = next;
    this.end = end;
    this.dead = 0;
  }
}
