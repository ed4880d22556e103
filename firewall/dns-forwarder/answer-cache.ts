// The forwarder's answer cache: wire replies by name, type and class, until
// the clamped TTL runs out, least recently used first out when full. A hit
// extends nothing. Records live in a RecordArena under a 32-bit hash of the
// question; the reply's own question is compared on every hit, so two
// questions with the same hash only ever displace each other.
// Pure: time comes in as `now`.
import { RecordArena } from "./record-arena.js";
import { asciiLower, type WireReply } from "./wire.js";

// Record: f64 expiresAt | u16 type | u16 class | the reply's bytes (its question names the name).
const HEAD = 12;
/** Where a reply's question name starts. */
const QNAME = 12;

/** FNV-1a over the name's characters (latin1, as readQuestion gives it), then type and class. */
export function questionHash(name: string, type: number, klass: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ type, 0x01000193);
  return Math.imul(h ^ klass, 0x01000193) | 0;
}

export class AnswerCache {
  private readonly arena: RecordArena<number>;

  constructor(max: number) {
    this.arena = new RecordArena(max);
  }

  get size(): number {
    return this.arena.size;
  }

  /**
   * The reply cached for this question (name lowercase), or null; a hit becomes the most recently
   * used. The reply's bytes are a view into the cache: use them before the next `set`.
   */
  get(name: string, type: number, klass: number, now: number): WireReply | null {
    const key = questionHash(name, type, klass);
    const at = this.arena.find(key);
    if (at < 0 || !this.holds(at, name, type, klass)) return null;
    const buf = this.arena.bytes;
    const expiresAt = buf.readDoubleLE(at);
    if (expiresAt <= now) {
      this.arena.delete(key);
      return null;
    }
    this.arena.touch(key);
    return { wire: buf.subarray(at + HEAD, at + this.arena.length(at)), expiresAt };
  }

  set(name: string, type: number, klass: number, e: WireReply): void {
    this.arena.put(questionHash(name, type, klass), HEAD + e.wire.length, (buf, at) => {
      buf.writeDoubleLE(e.expiresAt, at);
      buf.writeUInt16LE(type, at + 8);
      buf.writeUInt16LE(klass, at + 10);
      e.wire.copy(buf, at + HEAD);
    });
  }

  /** Drops what has expired; returns how many went. */
  prune(now: number): number {
    return this.arena.deleteWhere((buf, at) => buf.readDoubleLE(at) <= now);
  }

  /**
   * Whether the record at `at` is this question's (not another one with the same hash): its type,
   * class and reply's question name, read label by label against the name as readQuestion gives
   * it (lowercase, labels joined by dots). Only ASCII folds: a name with other bytes was re-encoded
   * by dns-packet as UTF-8 and never matches, so it is asked upstream each time, never mis-served.
   */
  private holds(at: number, name: string, type: number, klass: number): boolean {
    const buf = this.arena.bytes;
    if (buf.readUInt16LE(at + 8) !== type || buf.readUInt16LE(at + 10) !== klass) return false;
    const end = at + this.arena.length(at);
    let p = at + HEAD + QNAME;
    let j = 0;
    for (;;) {
      const len = buf[p];
      if (len === undefined || len > 63 || p + 1 + len > end) return false;
      if (len === 0) return j === name.length;
      if (j > 0 && name.charCodeAt(j++) !== 0x2e) return false;
      for (let k = p + 1; k <= p + len; k++) if (asciiLower(buf[k]!) !== name.charCodeAt(j++)) return false;
      p += 1 + len;
    }
  }
}

// Admission record: f64 until | u8 family | the name (latin1).
const ADM_HEAD = 9;

/** An IPv4 address as one int32 (a Map key V8 keeps unboxed); IPv6 stays text. */
function addressKey(address: string): number | string {
  const p = address.split(".");
  if (p.length !== 4) return address;
  return (Number(p[0]) << 24) | (Number(p[1]) << 16) | (Number(p[2]) << 8) | Number(p[3]) | 0;
}

/**
 * Admitted address -> the name it answered and until when the firewall holds it (TTL + grace):
 * what reverse lookups may return, and what the refresher must not cut short. Bounded: the
 * oldest go first past `max` (the firewall keeps them until their own timeout).
 */
export class Admissions {
  private readonly arena: RecordArena<number | string>;

  constructor(max: number) {
    this.arena = new RecordArena(max);
  }

  get size(): number {
    return this.arena.size;
  }

  get(address: string): { name: string; family: 4 | 6; until: number } | undefined {
    const at = this.arena.find(addressKey(address));
    if (at < 0) return undefined;
    const buf = this.arena.bytes;
    return {
      until: buf.readDoubleLE(at),
      family: buf[at + 8] === 6 ? 6 : 4,
      name: buf.toString("latin1", at + ADM_HEAD, at + this.arena.length(at)),
    };
  }

  /** Records the admission unless the address is already held longer. */
  hold(address: string, family: 4 | 6, name: string, until: number): void {
    const key = addressKey(address);
    const at = this.arena.find(key);
    if (at >= 0 && this.arena.bytes.readDoubleLE(at) >= until) return;
    this.arena.put(key, ADM_HEAD + name.length, (buf, w) => {
      buf.writeDoubleLE(until, w);
      buf[w + 8] = family;
      buf.write(name, w + ADM_HEAD, "latin1");
    });
  }

  /** Forgets what the firewall no longer holds by `now`. */
  prune(now: number): void {
    this.arena.deleteWhere((buf, at) => buf.readDoubleLE(at) <= now);
  }
}
