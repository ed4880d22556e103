// The stub resolver's own A and AAAA questions on raw bytes: the query
// encoded by hand, the reply read just as far as the resolver looks (header,
// question, answer records, the authority section's SOA). dns-packet builds
// an object per field and encodes through a generic writer; on the path the
// bring-up and the refresher take hundreds of times a second that was most
// of the resolver's own CPU. Everything else (the forwarder's pass-through
// queries, TCP) still goes through dns-packet. Pure.
import { v6 } from "@leichtgewicht/ip-codec";
import { canonicalName } from "./names.js";

/** A record as the resolver reads it: dns-packet's answers minus the OPT pseudo-record. */
export interface DnsRecord {
  name: string;
  type: string;
  ttl?: number;
  data?: unknown;
}

export type AddressType = "A" | "AAAA";
const QTYPE: Record<AddressType, number> = { A: 1, AAAA: 28 };
const TYPE_NAMES: Record<number, string> = { 1: "A", 28: "AAAA", 5: "CNAME", 6: "SOA" };
/** dns-packet's names for the rcodes the resolver tells apart (others as RCODE_n). */
const RCODES = ["NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"];

// Big-endian fields by hand: Buffer's own readers and writers validate their offset through a
// wrapper that allocates on every call when the code runs interpreted (the refresher runs so), and
// these run per record. Callers check the bounds before reading.
const u16 = (b: Buffer, at: number) => ((b[at]! << 8) | b[at + 1]!) >>> 0;
const u32 = (b: Buffer, at: number) => b[at]! * 0x1000000 + ((b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!);
const put16 = (b: Buffer, v: number, at: number) => {
  b[at] = v >>> 8;
  b[at + 1] = v & 0xff;
};

/** A recursive query (RD) for `name` (no trailing dot) with one question. Throws on a label over 63 bytes. */
export function encodeAddressQuery(id: number, name: string, type: AddressType): Buffer {
  const labels = name === "" ? [] : name.split(".");
  let length = 12 + 1 + 4;
  for (let k = 0; k < labels.length; k++) {
    const l = labels[k]!;
    if (l.length === 0 || l.length > 63) throw new Error(`not a valid DNS name: ${name}`);
    length += 1 + l.length;
  }
  const buf = Buffer.alloc(length);
  put16(buf, id, 0);
  put16(buf, 0x0100, 2); // RD
  put16(buf, 1, 4);
  let at = 12;
  for (let k = 0; k < labels.length; k++) {
    const l = labels[k]!;
    buf[at] = l.length;
    for (let i = 0; i < l.length; i++) {
      const c = l.charCodeAt(i);
      if (c > 0xff) throw new Error(`not a valid DNS name: ${name}`);
      buf[at + 1 + i] = c;
    }
    at += 1 + l.length;
  }
  buf[at] = 0;
  put16(buf, QTYPE[type], at + 1);
  put16(buf, 1, at + 3);
  return buf;
}

/** Reads a (possibly compressed) name at `at`: the name without the trailing dot, and where it ends. */
function readName(buf: Buffer, at: number): { name: string; end: number } {
  let name = "";
  let end = -1;
  let hops = 0;
  for (;;) {
    if (at >= buf.length) throw new Error("name runs past the packet");
    const len = buf[at]!;
    if ((len & 0xc0) === 0xc0) {
      if (at + 1 >= buf.length || ++hops > 64) throw new Error("bad compression pointer");
      if (end < 0) end = at + 2;
      at = ((len & 0x3f) << 8) | buf[at + 1]!;
      continue;
    }
    if (len & 0xc0) throw new Error("unknown label type");
    if (len === 0) return { name, end: end < 0 ? at + 1 : end };
    if (at + 1 + len > buf.length) throw new Error("label runs past the packet");
    name += (name ? "." : "") + buf.toString("latin1", at + 1, at + 1 + len);
    at += 1 + len;
  }
}

export interface AddressReply {
  rcode: string;
  truncated: boolean;
  answers: DnsRecord[];
  authorities: DnsRecord[];
}

/** Records of one section: A, AAAA, CNAME and SOA with their data; any other type as TYPEn, without data. */
function readRecords(buf: Buffer, at: number, count: number, out: DnsRecord[]): number {
  for (let i = 0; i < count; i++) {
    const n = readName(buf, at);
    at = n.end;
    if (at + 10 > buf.length) throw new Error("record runs past the packet");
    const type = u16(buf, at);
    const ttl = u32(buf, at + 4);
    const len = u16(buf, at + 8);
    const data = at + 10;
    if (data + len > buf.length) throw new Error("record data runs past the packet");
    const r: DnsRecord = { name: n.name, type: TYPE_NAMES[type] ?? `TYPE${type}`, ttl };
    if (type === 1 && len === 4) r.data = `${buf[data]}.${buf[data + 1]}.${buf[data + 2]}.${buf[data + 3]}`;
    else if (type === 28 && len === 16) r.data = v6.decode(buf, data);
    else if (type === 5) r.data = readName(buf, data).name;
    else if (type === 6) {
      // The SOA's MINIMUM is its last field (RFC 2308 negative caching).
      if (len < 20) throw new Error("short SOA");
      r.data = { minimum: u32(buf, data + len - 4) };
    }
    // A record of a known type with the wrong size is skipped like an unknown one.
    if ((type === 1 || type === 28) && r.data === undefined) r.type = `TYPE${type}`;
    out.push(r);
    at = data + len;
  }
  return at;
}

/**
 * The reply to our query `id` for `name` and `type`, or why it is not one (a string: the caller
 * keeps waiting for the real one). Throws on a malformed packet.
 */
export function readAddressReply(buf: Buffer, id: number, name: string, type: AddressType): AddressReply | string {
  if (buf.length < 12) throw new Error("shorter than a DNS header");
  if (u16(buf, 0) !== id) return `id ${u16(buf, 0)} does not match query id ${id}`;
  const flags = u16(buf, 2);
  if (!(flags & 0x8000)) return "not a response";
  if (u16(buf, 4) !== 1) return "question does not match";
  const q = readName(buf, 12);
  if (q.end + 4 > buf.length) throw new Error("question runs past the packet");
  if (canonicalName(q.name) !== canonicalName(name) || u16(buf, q.end) !== QTYPE[type] || u16(buf, q.end + 2) !== 1)
    return "question does not match";
  const rcode = flags & 0xf;
  const reply: AddressReply = {
    rcode: RCODES[rcode] ?? `RCODE_${rcode}`,
    truncated: Boolean(flags & 0x0200),
    answers: [],
    authorities: [],
  };
  // A truncated reply is asked again over TCP: its records (maybe cut off mid-record) are not read.
  if (reply.truncated) return reply;
  const at = readRecords(buf, q.end + 4, u16(buf, 6), reply.answers);
  readRecords(buf, at, u16(buf, 8), reply.authorities);
  return reply;
}
