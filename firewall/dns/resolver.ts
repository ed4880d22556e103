// A small stub resolver on dns-packet: A/AAAA over UDP to one configured
// server, TCP when the answer is truncated, CNAME chains followed here (so the
// minimum TTL over the chain is known), and every malformed or unexpected
// packet turned into an error value rather than a crash.
import { randomInt } from "node:crypto";
import dgram from "node:dgram";
import net from "node:net";
import dnsPacket from "dns-packet";
import { sleep } from "../../common/sleep.js";
import { canonicalName } from "./names.js";
import { encodeAddressQuery, readAddressReply, type DnsRecord } from "./wire-query.js";

export type RecordType = "A" | "AAAA";

export interface ResolvedAddress {
  address: string;
  ttl: number;
}

export type ResolveStatus = "ok" | "nxdomain" | "nodata" | "servfail" | "error";

export interface ResolveResult {
  name: string;
  type: RecordType;
  status: ResolveStatus;
  addresses: ResolvedAddress[];
  /** Names walked, starting with `name`; more than one when CNAMEs were followed. */
  chain: string[];
  /** Minimum TTL over every record used (CNAMEs and addresses); 0 when none. */
  ttl: number;
  /** For nxdomain/nodata: the negative-caching TTL from the SOA, when given. */
  negativeTtl?: number;
  /** The server could not be reached or did not answer (as opposed to a bad answer). */
  transport?: boolean;
  error?: string;
}

export interface ResolverOptions {
  server: string;
  port?: number;
  /** Per-attempt timeout. */
  timeoutMs?: number;
  /** UDP attempts before giving up (with exponential backoff between). */
  attempts?: number;
  maxCnameHops?: number;
}

export type { DnsRecord } from "./wire-query.js";

interface Answer {
  rcode: string;
  truncated: boolean;
  answers: DnsRecord[];
  authorities: DnsRecord[];
}

const DEFAULTS = { port: 53, timeoutMs: 1000, attempts: 3, maxCnameHops: 10 };

/** Checks that a decoded reply answers our question; returns why not, or null. */
export function replyMismatch(reply: dnsPacket.Packet, id: number, name: string, type: string): string | null {
  if (reply.type !== "response") return "not a response";
  if (reply.id !== id) return `id ${String(reply.id)} does not match query id ${id}`;
  const q = reply.questions?.[0];
  if (!q || canonicalName(q.name) !== canonicalName(name) || q.type !== type) return "question does not match";
  return null;
}

function toAnswer(reply: dnsPacket.Packet): Answer {
  return {
    rcode: (reply as { rcode?: string }).rcode ?? "NOERROR",
    truncated: Boolean((reply as { flag_tc?: boolean }).flag_tc),
    answers: (reply.answers ?? []) as DnsRecord[],
    authorities: (reply.authorities ?? []) as DnsRecord[],
  };
}

/** A query packet: ours (one question, RD) or a client's passed on (the forwarder's, EDNS and all). */
function simpleQuery(name: string, type: RecordType): dnsPacket.Packet {
  return { type: "query", flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name, class: "IN" }] };
}

interface Pending {
  /** Takes a datagram with this query's id from the server: true when it was the reply (and settled). */
  accept(msg: Buffer): boolean;
  /** The socket failed: the query ends with this error. */
  fail(e: Error): void;
}

/**
 * One UDP socket shared by many queries to one server (the refresher asks
 * hundreds a second; a socket each was most of its CPU). Replies are matched
 * by id, source and question. A channel is retired after QUERIES_PER_SOCKET
 * queries so the source port still changes often (spoofing resistance).
 */
class UdpChannel {
  readonly sock: dgram.Socket;
  readonly pending = new Map<number, Pending>();
  used = 0;
  retired = false;

  constructor(
    readonly server: string,
    readonly port: number,
  ) {
    this.sock = dgram.createSocket(net.isIPv6(server) ? "udp6" : "udp4");
    this.sock.unref(); // never keeps a process alive on its own
    this.sock.on("error", (e) => {
      for (const p of this.pending.values()) p.fail(e);
      this.pending.clear();
      this.retire();
    });
    this.sock.on("message", (msg, rinfo) => {
      // Off-path spoofing defence: only the server we asked, only our id and question (checked by
      // the query's own reader; a malformed or mismatched datagram is ignored until the timeout).
      if (rinfo.address !== this.server || rinfo.port !== this.port || msg.length < 12) return;
      this.pending.get(msg.readUInt16BE(0))?.accept(msg);
    });
  }

  freeId(): number {
    for (;;) {
      const id = randomInt(0, 65536);
      if (!this.pending.has(id)) return id;
    }
  }

  retire(): void {
    this.retired = true;
    if (channels.get(`${this.server}#${this.port}`) === this) channels.delete(`${this.server}#${this.port}`);
    if (this.pending.size === 0) this.sock.close();
  }
}

const QUERIES_PER_SOCKET = 128;
const channels = new Map<string, UdpChannel>();

function channelFor(server: string, port: number): UdpChannel {
  const key = `${server}#${port}`;
  let ch = channels.get(key);
  if (!ch || ch.retired || ch.used >= QUERIES_PER_SOCKET) {
    ch?.retire();
    ch = new UdpChannel(server, port);
    channels.set(key, ch);
  }
  ch.used++;
  return ch;
}

/** Settles once: clears the timer and runs `cleanup` before resolving or rejecting. */
function once<T>(resolve: (v: T) => void, reject: (e: Error) => void, cleanup: () => void) {
  let done = false;
  return (err: Error | null, value?: T) => {
    if (done) return;
    done = true;
    cleanup();
    if (err) reject(err);
    else resolve(value as T);
  };
}

/** The question of `packet`, which every reply must repeat. */
const questionOf = (packet: dnsPacket.Packet) => {
  const q = packet.questions?.[0];
  if (!q) throw new Error("a query without a question");
  return { name: q.name, type: q.type as string };
};

/**
 * One datagram to the server and the reply `read` accepts: `encode(id)` builds the query under a
 * fresh id, `read` returns the reply, or a string when the datagram is not it (keep waiting), and
 * throws when it is malformed (also ignored).
 */
function queryUdp<T>(
  o: Required<ResolverOptions>,
  encode: (id: number) => Buffer,
  read: (msg: Buffer, id: number) => T | string,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const ch = channelFor(o.server, o.port);
    const id = ch.freeId();
    const settle = once(resolve, reject, () => {
      clearTimeout(timer);
      ch.pending.delete(id);
      if (ch.retired && ch.pending.size === 0) ch.sock.close();
    });
    const timer = setTimeout(
      () => settle(new Error(`no answer from ${o.server} within ${o.timeoutMs} ms`)),
      o.timeoutMs,
    );
    ch.pending.set(id, {
      accept: (msg) => {
        let r: T | string;
        try {
          r = read(msg, id);
        } catch {
          return false;
        }
        if (typeof r === "string") return false;
        settle(null, r);
        return true;
      },
      fail: (e) => settle(e),
    });
    let query: Buffer;
    try {
      query = encode(id);
    } catch (e) {
      settle(e as Error);
      return;
    }
    ch.sock.send(query, o.port, o.server, (e) => {
      if (e) settle(e);
    });
  });
}

function queryTcp(o: Required<ResolverOptions>, packet: dnsPacket.Packet): Promise<dnsPacket.Packet> {
  return new Promise((resolve, reject) => {
    const q = questionOf(packet);
    const id = randomInt(0, 65536);
    const sock = net.connect({ host: o.server, port: o.port });
    let buf = Buffer.alloc(0);
    const finish = once(resolve, reject, () => {
      clearTimeout(timer);
      sock.destroy();
    });
    const timer = setTimeout(
      () => finish(new Error(`no TCP answer from ${o.server} within ${o.timeoutMs * 2} ms`)),
      o.timeoutMs * 2,
    );
    sock.on("connect", () => sock.write(dnsPacket.streamEncode({ ...packet, id })));
    sock.on("data", (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length < 2) return;
      const len = buf.readUInt16BE(0);
      if (buf.length < 2 + len) return;
      try {
        const reply = dnsPacket.decode(buf.subarray(2, 2 + len));
        const why = replyMismatch(reply, id, q.name, q.type);
        if (why) finish(new Error(`bad TCP reply from ${o.server}: ${why}`));
        else finish(null, reply);
      } catch (e) {
        finish(new Error(`malformed TCP reply from ${o.server}: ${(e as Error).message}`));
      }
    });
    sock.on("error", (e) => finish(e));
    sock.on("end", () => finish(new Error(`${o.server} closed the TCP connection without a full answer`)));
  });
}

/** `attempt` up to o.attempts times, with exponential backoff (and jitter) between; the last error. */
async function withRetries<T>(o: Required<ResolverOptions>, attempt: () => Promise<T>): Promise<T> {
  // No Error made up front: building one captures a stack, and this runs for every question.
  let lastErr: Error | undefined;
  for (let i = 0; i < o.attempts; i++) {
    if (i > 0) await sleep(Math.min(100 * 2 ** (i - 1), 2000) + randomInt(0, 50));
    try {
      return await attempt();
    } catch (e) {
      lastErr = e as Error;
    }
  }
  throw lastErr ?? new Error("no attempt made");
}

/**
 * `packet` to one server, under a fresh id: UDP retries (backoff) and TCP when the answer is
 * truncated. Replies are matched by source, id and question (see UdpChannel).
 */
export async function exchange(opts: ResolverOptions, packet: dnsPacket.Packet): Promise<dnsPacket.Packet> {
  const o = { ...DEFAULTS, ...opts } as Required<ResolverOptions>;
  const q = questionOf(packet);
  return withRetries(o, async () => {
    const reply = await queryUdp(
      o,
      (id) => dnsPacket.encode({ ...packet, id }),
      (msg, id) => {
        const r = dnsPacket.decode(msg);
        return replyMismatch(r, id, q.name, q.type) ?? r;
      },
    );
    return toAnswer(reply).truncated ? await queryTcp(o, packet) : reply;
  });
}

/**
 * One A or AAAA question, with UDP retries (backoff) and a TCP retry when truncated. Over UDP the
 * query and reply are handled on raw bytes (wire-query.ts): the refresher's hot path.
 */
export async function query(opts: ResolverOptions, name: string, type: RecordType): Promise<Answer> {
  const o = { ...DEFAULTS, ...opts } as Required<ResolverOptions>;
  return withRetries(o, async () => {
    const reply = await queryUdp(
      o,
      (id) => encodeAddressQuery(id, name, type),
      (msg, id) => readAddressReply(msg, id, name, type),
    );
    return reply.truncated ? toAnswer(await queryTcp(o, simpleQuery(name, type))) : reply;
  });
}

/** Minimum of the SOA's TTL and MINIMUM field (RFC 2308), if the authority section has one. */
function negativeTtl(a: Answer): number | undefined {
  const soa = a.authorities.find((r) => r.type === "SOA");
  if (!soa) return undefined;
  const min = (soa.data as { minimum?: number }).minimum ?? soa.ttl ?? 0;
  return Math.min(soa.ttl ?? min, min);
}

/**
 * Resolves `name` to addresses of `type`, following CNAMEs (at most
 * maxCnameHops, loops rejected), and reports the minimum TTL over the chain.
 * Never throws: failures are a status plus an error text.
 */
export async function queryDns(opts: ResolverOptions, name: string, type: RecordType): Promise<ResolveResult> {
  const maxHops = opts.maxCnameHops ?? DEFAULTS.maxCnameHops;
  const start = canonicalName(name);
  const chain = [start];
  const seen = new Set([start]);
  let minTtl = Number.POSITIVE_INFINITY;
  let current = start;
  const result = (status: ResolveStatus, extra: Partial<ResolveResult> = {}): ResolveResult => ({
    name: start,
    type,
    status,
    addresses: [],
    chain,
    ttl: Number.isFinite(minTtl) ? minTtl : 0,
    ...extra,
  });

  for (let queries = 0; queries <= maxHops; queries++) {
    const asked = current;
    let a: Answer;
    try {
      a = await query(opts, current, type);
    } catch (e) {
      return result("error", { error: (e as Error).message, transport: true });
    }
    if (a.rcode !== "NOERROR" && a.rcode !== "NXDOMAIN") {
      return result(a.rcode === "SERVFAIL" ? "servfail" : "error", { error: `${current}: server answered ${a.rcode}` });
    }
    // Walk the chain inside this answer as far as it goes.
    for (;;) {
      const here = a.answers.filter((r) => canonicalName(r.name) === current);
      const addrs = here.filter((r) => r.type === type);
      if (addrs.length > 0) {
        const addresses = addrs.map((r) => ({ address: String(r.data), ttl: r.ttl ?? 0 }));
        for (const r of addresses) minTtl = Math.min(minTtl, r.ttl);
        return result("ok", { addresses });
      }
      const cname = here.find((r) => r.type === "CNAME");
      if (!cname) break;
      const target = canonicalName(String(cname.data));
      minTtl = Math.min(minTtl, cname.ttl ?? 0);
      if (seen.has(target)) {
        chain.push(target);
        return result("error", { error: `CNAME loop: ${chain.join(" -> ")}` });
      }
      if (chain.length > maxHops) {
        return result("error", { error: `CNAME chain longer than ${maxHops} hops: ${chain.join(" -> ")}` });
      }
      seen.add(target);
      chain.push(target);
      current = target;
    }
    if (a.rcode === "NXDOMAIN") {
      const what =
        chain.length > 1
          ? `${start} is a CNAME to ${current}, which does not exist (NXDOMAIN)`
          : `no such name (NXDOMAIN)`;
      return result("nxdomain", { error: what, negativeTtl: negativeTtl(a) });
    }
    // The server stopped mid-chain: ask for where we are now, unless the name
    // we just asked about came back with nothing at all.
    if (!a.answers.some((r) => canonicalName(r.name) === asked)) {
      return result("nodata", {
        error:
          chain.length > 1 ? `${start} is a CNAME to ${current}, which has no ${type} record` : `no ${type} record`,
        negativeTtl: negativeTtl(a),
      });
    }
  }
  return result("error", { error: `CNAME chain longer than ${maxHops} hops: ${chain.join(" -> ")}` });
}
