// The forwarder's answer cache: wire replies by name, type and class, until
// the clamped TTL runs out, least recently used first out when full. A hit
// extends nothing. Records live in a RecordArena under a 32-bit hash of the
// question; the reply's own question is compared on every hit, so two
// questions with the same hash only ever displace each other. A query is
// answered from its wire bytes (`answer`): no string, object or view is made
// on a hit. Pure: time comes in as `now`.
import { RecordArena } from "./record-arena.js";
import {
  asciiLower,
  patchReplyBytes,
  sameName,
  uncompressedNameEnd,
  type WireQuestion,
  type WireReply,
} from "./wire.js";

// Record: f64 expiresAt | u16 type | u16 class | u32 second of the last touch | the reply's bytes
// (its question names the name).
const HEAD = 16;
/** Where a reply's question name starts. */
const QNAME = 12;
/** A touch second no clock gives: a record's first hit always counts. */
const NEVER = 0xffffffff;

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/**
 * FNV-1a over the question's wire name at buf[start..end) (uncompressed, length bytes included,
 * ASCII letters folded), then type and class. A query and a cached reply are both hashed by this,
 * from their bytes: no string is made.
 */
export function wireQuestionHash(buf: Buffer, start: number, end: number, type: number, klass: number): number {
  let h = FNV_OFFSET;
  for (let i = start; i < end; i++) h = Math.imul(h ^ asciiLower(buf[i]!), FNV_PRIME);
  h = Math.imul(h ^ type, FNV_PRIME);
  return Math.imul(h ^ klass, FNV_PRIME) | 0;
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
   * The cached reply fitted to this query (see patchReply), or null: the hot path, read off the
   * query's bytes. A hit becomes the most recently used at most once a second (a Map delete and
   * set per hit was a tenth of a hit's cost; the order within a second does not matter).
   */
  answer(query: Buffer, q: WireQuestion, now: number): Buffer | null {
    const key = wireQuestionHash(query, QNAME, q.nameEnd, q.type, q.klass);
    const at = this.arena.find(key);
    const buf = this.arena.bytes;
    if (at < 0 || !recordHoldsWire(buf, at, at + this.arena.length(at), query, q)) return null;
    const expiresAt = buf.readDoubleLE(at);
    if (expiresAt <= now) {
      this.arena.delete(key);
      return null;
    }
    const second = Math.floor(now / 1000) >>> 0;
    if (buf.readUInt32LE(at + 12) !== second) {
      buf.writeUInt32LE(second, at + 12);
      this.arena.touch(key);
    }
    return patchReplyBytes(buf, at + HEAD, at + this.arena.length(at), expiresAt, query, q, now);
  }

  /**
   * Caches a reply under its own question (name, type, class as the reply states them), hashed as
   * `answer` hashes a query's, so the two can only ever agree. A reply without a readable question
   * is not cached.
   */
  set(e: WireReply): void {
    const nameEnd = uncompressedNameEnd(e.wire, QNAME);
    if (nameEnd < 0 || nameEnd + 4 > e.wire.length) return;
    const type = e.wire.readUInt16BE(nameEnd);
    const klass = e.wire.readUInt16BE(nameEnd + 2);
    this.arena.put(wireQuestionHash(e.wire, QNAME, nameEnd, type, klass), HEAD + e.wire.length, (buf, at) => {
      buf.writeDoubleLE(e.expiresAt, at);
      buf.writeUInt16LE(type, at + 8);
      buf.writeUInt16LE(klass, at + 10);
      buf.writeUInt32LE(NEVER, at + 12);
      e.wire.copy(buf, at + HEAD);
    });
  }

  /** Drops what has expired; returns how many went. */
  prune(now: number): number {
    return this.arena.deleteWhere((buf, at) => buf.readDoubleLE(at) <= now);
  }
}

/**
 * Whether the record at `at` answers this query's question: type, class, and the reply's question
 * name against the query's, zero byte included (sameName: equal bytes, ASCII case ignored, are the
 * same labels).
 */
function recordHoldsWire(buf: Buffer, at: number, recordEnd: number, query: Buffer, q: WireQuestion): boolean {
  if (buf.readUInt16LE(at + 8) !== q.type || buf.readUInt16LE(at + 10) !== q.klass) return false;
  const len = q.nameEnd - QNAME;
  const from = at + HEAD + QNAME;
  return from + len <= recordEnd && sameName(buf, from, query, QNAME, len);
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
