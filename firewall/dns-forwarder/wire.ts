// The few wire-format operations the forwarder's hot path needs, on raw
// buffers: read a query's question and EDNS size without decoding the whole
// packet, and turn a cached reply into the reply to this query (its id, its
// question's spelling, RD, TTLs counted down) by patching bytes instead of
// encoding again. dns-packet decodes and encodes everything else. Pure.

export interface WireQuestion {
  id: number;
  /** RD as the client set it. */
  recursionDesired: boolean;
  /** Byte offset just past the question name's zero byte (the name starts at 12, uncompressed). */
  nameEnd: number;
  type: number;
  klass: number;
  /** Byte offset just past the question. */
  end: number;
  /** The client's EDNS UDP payload size, or null without EDNS. */
  ednsSize: number | null;
}

/**
 * The question of a standard query with exactly one question, or null for anything else. The
 * name stays in the bytes (a cache hit never needs it as text): see questionName.
 */
export function readQuestion(buf: Buffer): WireQuestion | null {
  if (buf.length < 17) return null;
  const flags = buf.readUInt16BE(2);
  if (flags & 0x8000 || (flags >> 11) & 0xf) return null; // a response, or not a standard query
  if (buf.readUInt16BE(4) !== 1 || buf.readUInt16BE(6) !== 0 || buf.readUInt16BE(8) !== 0) return null;
  let at = 12; // no compression in a question
  for (;;) {
    if (at >= buf.length) return null;
    const len = buf[at]!;
    if (len === 0) break;
    if (len > 63 || at + 1 + len > buf.length) return null;
    at += 1 + len;
  }
  const nameEnd = at + 1;
  if (nameEnd + 4 > buf.length) return null;
  const q: WireQuestion = {
    id: buf.readUInt16BE(0),
    recursionDesired: Boolean(flags & 0x0100),
    nameEnd,
    type: buf.readUInt16BE(nameEnd),
    klass: buf.readUInt16BE(nameEnd + 2),
    end: nameEnd + 4,
    ednsSize: null,
  };
  // An OPT record right after the question: root name, type 41, class = payload size.
  if (buf.readUInt16BE(10) >= 1 && q.end + 11 <= buf.length && buf[q.end] === 0 && buf.readUInt16BE(q.end + 1) === 41)
    q.ednsSize = buf.readUInt16BE(q.end + 3);
  return q;
}

/**
 * The question's name as text: lowercase, labels joined by dots, no trailing dot ("" for the
 * root). Read in one go with the length bytes between labels shown as dots: one string, no array.
 */
export function questionName(buf: Buffer, q: WireQuestion): string {
  if (q.nameEnd <= 13) return "";
  const raw = Buffer.from(buf.subarray(13, q.nameEnd - 1));
  for (let i = 12, j = 0; j < raw.length;) {
    const len = buf[i]!;
    if (j > 0) raw[j - 1] = 0x2e; // the length byte before this label becomes "."
    j += len + 1;
    i += len + 1;
  }
  return raw.toString("latin1").toLowerCase();
}

/** Skips a (possibly compressed) name starting at `at`; returns the offset after it. */
function skipName(buf: Buffer, at: number): number {
  for (;;) {
    const len = buf[at]!;
    if (len === 0) return at + 1;
    if ((len & 0xc0) === 0xc0) return at + 2;
    at += 1 + len;
  }
}

/** A reply in wire form, as cached: what `patchReply` needs to serve it to another query. */
export interface WireReply {
  /** The reply's bytes, the records' own TTLs kept in it. */
  wire: Buffer;
  expiresAt: number;
}

/** A reply to cache: its owner names that repeat the question point at it (see pointOwnersAtQuestion). */
export function wireReply(wire: Buffer, expiresAt: number): WireReply {
  return { wire: pointOwnersAtQuestion(wire), expiresAt };
}

/** A byte with ASCII A-Z folded to a-z (DNS names compare case-insensitively, ASCII only). */
export const asciiLower = (c: number): number => (c >= 0x41 && c <= 0x5a ? c | 0x20 : c);

/**
 * Whether the `len` bytes at x[a] and y[b] (two uncompressed names of that length) spell the same
 * name, ASCII case ignored. Length bytes (at most 63) are never letters, so folding letters byte
 * by byte cannot make two different label structures equal.
 */
export function sameName(x: Buffer, a: number, y: Buffer, b: number, len: number): boolean {
  for (let i = 0; i < len; i++) if (asciiLower(x[a + i]!) !== asciiLower(y[b + i]!)) return false;
  return true;
}

/**
 * The reply with each record's owner name that spells the question's name (an answer for the name
 * asked, its usual case) written as a 2-byte pointer to the question at offset 12, as servers do.
 * dns-packet writes every name in full: at 100k cached names that was 1.8 MB of repeated names.
 * Only for a packet without pointers (dns-packet's output); anything else is returned as it is.
 */
export function pointOwnersAtQuestion(wire: Buffer): Buffer {
  if (wire.length < 12 || wire.readUInt16BE(4) !== 1) return wire;
  const qEnd = uncompressedNameEnd(wire, 12);
  if (qEnd < 0 || qEnd - 12 <= 2 || qEnd + 4 > wire.length) return wire;
  const records = wire.readUInt16BE(6) + wire.readUInt16BE(8) + wire.readUInt16BE(10);
  const parts: Buffer[] = [wire.subarray(0, qEnd + 4)];
  let at = qEnd + 4;
  let saved = 0;
  for (let i = 0; i < records; i++) {
    const nameEnd = uncompressedNameEnd(wire, at);
    if (nameEnd < 0 || nameEnd + 10 > wire.length) return wire;
    const end = nameEnd + 10 + wire.readUInt16BE(nameEnd + 8);
    if (end > wire.length) return wire;
    if (nameEnd - at === qEnd - 12 && sameName(wire, at, wire, 12, qEnd - 12)) {
      parts.push(POINTER_TO_QUESTION, wire.subarray(nameEnd, end));
      saved += nameEnd - at - 2;
    } else parts.push(wire.subarray(at, end));
    at = end;
  }
  if (at !== wire.length || saved === 0) return wire;
  return Buffer.concat(parts, wire.length - saved);
}

const POINTER_TO_QUESTION = Buffer.from([0xc0, 12]);

/** The offset after an uncompressed name at `at`, or -1 (a pointer, or past the end). */
export function uncompressedNameEnd(buf: Buffer, at: number): number {
  for (;;) {
    const len = buf[at];
    if (len === undefined || len > 63) return -1;
    if (len === 0) return at + 1;
    at += 1 + len;
  }
}

const OPT = Buffer.from([0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0]); // root, OPT, 1232 bytes, no flags

/**
 * The cached reply for this query: its id, RD and question bytes (same name, maybe other case),
 * each TTL at most what is left of the entry, an OPT record when the query had EDNS.
 */
export function patchReply(c: WireReply, query: Buffer, q: WireQuestion, now: number): Buffer {
  return patchReplyBytes(c.wire, 0, c.wire.length, c.expiresAt, query, q, now);
}

/** patchReply for a reply kept at src[start..end) (the cache's arena): no view of it is made. */
export function patchReplyBytes(
  src: Buffer,
  start: number,
  end: number,
  expiresAt: number,
  query: Buffer,
  q: WireQuestion,
  now: number,
): Buffer {
  const len = end - start;
  const withOpt = q.ednsSize !== null;
  const out = Buffer.allocUnsafe(len + (withOpt ? OPT.length : 0));
  src.copy(out, 0, start, end);
  out.writeUInt16BE(q.id, 0);
  out[2] = (out[2]! & ~0x01) | (q.recursionDesired ? 0x01 : 0);
  query.copy(out, 12, 12, q.end);
  const left = Math.max(0, Math.floor((expiresAt - now) / 1000));
  // Each record's TTL (OPT's "TTL" is flags, not a TTL), at most what is left.
  const records = out.readUInt16BE(6) + out.readUInt16BE(8) + out.readUInt16BE(10);
  let at = skipName(out, 12) + 4;
  for (let i = 0; i < records; i++) {
    at = skipName(out, at);
    if (out.readUInt16BE(at) !== 41 && out.readUInt32BE(at + 4) > left) out.writeUInt32BE(left, at + 4);
    at += 10 + out.readUInt16BE(at + 8);
  }
  if (withOpt) {
    OPT.copy(out, len);
    out.writeUInt16BE(out.readUInt16BE(10) + 1, 10);
  }
  return out;
}
