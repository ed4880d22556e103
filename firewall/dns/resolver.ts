// A small stub resolver on dns-packet: A/AAAA over UDP to one configured
// server, TCP when the answer is truncated, CNAME chains followed here (so the
// minimum TTL over the chain is known), and every malformed or unexpected
// packet turned into an error value rather than a crash.
import { randomInt } from "node:crypto";
import dgram from "node:dgram";
import net from "node:net";
import dnsPacket from "dns-packet";
import { sleep } from "../../common/sleep.js";
import { literalOnly } from "./literal-lookup.js";
import { isIpv6 } from "../ip-syntax.js";
import { canonicalName } from "./names.js";
import { encodeAddressQuery, readAddressReply, type AddressReply, type DnsRecord } from "./wire-query.js";
import {
  MAX_CNAME_HOPS,
  startWalk,
  walkReply,
  walkResult,
  type Answer,
  type RecordType,
  type ResolveResult,
} from "./chain-walk.js";

export type { RecordType, ResolvedAddress, ResolveStatus, ResolveResult } from "./chain-walk.js";
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

const DEFAULTS = { port: 53, timeoutMs: 1000, attempts: 3, maxCnameHops: MAX_CNAME_HOPS };

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
    this.sock = dgram.createSocket({ type: isIpv6(server) ? "udp6" : "udp4", lookup: literalOnly });
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
      this.pending.get((msg[0]! << 8) | msg[1]!)?.accept(msg); // the id
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

/**
 * Resolves `name` to addresses of `type`, following CNAMEs (at most
 * maxCnameHops, loops rejected), and reports the minimum TTL over the chain.
 * Never throws: failures are a status plus an error text.
 */
export async function queryDns(opts: ResolverOptions, name: string, type: RecordType): Promise<ResolveResult> {
  const w = startWalk(name, type, opts.maxCnameHops ?? DEFAULTS.maxCnameHops);
  for (let queries = 0; queries <= w.maxHops; queries++) {
    let a: Answer;
    try {
      a = await query(opts, w.current, type);
    } catch (e) {
      return walkResult(w, "error", { error: (e as Error).message, transport: true });
    }
    const r = walkReply(w, a);
    if (r) return r;
  }
  return walkResult(w, "error", { error: `CNAME chain longer than ${w.maxHops} hops: ${w.chain.join(" -> ")}` });
}

/** One question of a batch in flight: the channel hands it the datagrams that carry its id. */
class Asked implements Pending {
  done = false;
  constructor(
    readonly batch: Batch,
    readonly index: number,
    readonly ch: UdpChannel,
    readonly id: number,
    readonly sentAt: number,
  ) {}

  accept(msg: Buffer): boolean {
    const q = this.batch.questions[this.index] as BatchQuestion;
    let r: AddressReply | string;
    try {
      r = readAddressReply(msg, this.id, q.name, q.type);
    } catch {
      return false;
    }
    if (typeof r === "string") return false;
    this.batch.settle(this, r);
    return true;
  }

  fail(): void {
    this.batch.settle(this, null);
  }
}

export interface BatchQuestion {
  name: string;
  type: RecordType;
}

/**
 * Questions to one server, one datagram each, at most `window` in flight, under one timer: the
 * refresher's and the bring-up's first pass (a promise, a timer and closures per question were
 * most of the refresher's garbage). No retries and no TCP: whatever this does not settle, the
 * caller asks again through queryDns.
 */
class Batch {
  readonly replies: (AddressReply | null)[];
  private readonly inFlight: Asked[] = [];
  private head = 0;
  private next = 0;
  private open = 0;
  private timer: NodeJS.Timeout | null = null;
  private ended = false;

  constructor(
    readonly questions: BatchQuestion[],
    private readonly o: Required<ResolverOptions>,
    private readonly window: number,
    private readonly finish: (r: (AddressReply | null)[]) => void,
  ) {
    this.replies = new Array<AddressReply | null>(questions.length).fill(null);
  }

  start(): void {
    this.pump();
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.timer) clearTimeout(this.timer);
    this.finish(this.replies);
  }

  settle(a: Asked, reply: AddressReply | null): void {
    if (a.done) return;
    a.done = true;
    this.open--;
    this.replies[a.index] = reply;
    a.ch.pending.delete(a.id);
    if (a.ch.retired && a.ch.pending.size === 0) a.ch.sock.close();
    if (this.next < this.questions.length) this.pump();
    else if (this.open === 0) this.end();
  }

  private pump(): void {
    const now = Date.now();
    while (this.open < this.window && this.next < this.questions.length) {
      const i = this.next++;
      const q = this.questions[i] as BatchQuestion;
      const ch = channelFor(this.o.server, this.o.port);
      const id = ch.freeId();
      let query: Buffer;
      try {
        query = encodeAddressQuery(id, q.name, q.type);
      } catch {
        continue; // not a name that can be asked: left to the per-question path, which says why
      }
      const a = new Asked(this, i, ch, id, now);
      ch.pending.set(id, a);
      this.inFlight.push(a);
      this.open++;
      // No callback: a send error is the socket's error, which fails every question on it.
      ch.sock.send(query, this.o.port, this.o.server);
    }
    if (this.open === 0) return this.end();
    this.arm();
  }

  /** One timer, for the oldest question still open (all share one timeout, so that is the first due). */
  private arm(): void {
    while (this.head < this.inFlight.length && (this.inFlight[this.head] as Asked).done) this.head++;
    if (this.timer || this.head >= this.inFlight.length) return;
    const oldest = this.inFlight[this.head] as Asked;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        const now = Date.now();
        for (let k = this.head; k < this.inFlight.length; k++) {
          const a = this.inFlight[k] as Asked;
          if (!a.done && a.sentAt + this.o.timeoutMs <= now) this.settle(a, null);
        }
        if (this.open > 0) this.arm();
      },
      Math.max(0, oldest.sentAt + this.o.timeoutMs - Date.now()),
    );
  }
}

/**
 * Each question's reply from `opts.server` (UDP, one try, matched by source, id and question), or
 * null for those without one in `opts.timeoutMs`. Truncated replies come back as they are.
 */
export function askEach(
  opts: ResolverOptions,
  questions: BatchQuestion[],
  window: number,
): Promise<(AddressReply | null)[]> {
  const o = { ...DEFAULTS, ...opts } as Required<ResolverOptions>;
  return new Promise((resolve) => new Batch(questions, o, window, resolve).start());
}
