// The DNS forwarder: the only resolver the container's processes may use. It
// answers allowed names only (exact, below a wildcard, or a CNAME target an
// allowed name led to), admits an answer's addresses into the firewall's sets
// and only then replies, and refuses every other name without sending it on,
// so the upstream never sees it. A failed admission is SERVFAIL: a client never
// gets an address the firewall does not let it reach.
import dgram from "node:dgram";
import net from "node:net";
import dnsPacket, { type Answer, type Packet } from "dns-packet";
import { literalOnly } from "../dns/literal-lookup.js";
import { Admissions, AnswerCache } from "./answer-cache.js";
import { analyzeAnswer, negativeTtl, RCODE, reply, udpLimit, type AdmittedAddress } from "./answer.js";
import { namePolicy, reverseAddress, type NamePolicy } from "./name-policy.js";
import { patchReply, questionName, readQuestion, wireReply, type WireQuestion, type WireReply } from "./wire.js";

export interface ForwarderConfig {
  /** The allowlist's names and `*.` patterns. */
  patterns: string[];
  /** The refresher's TTL clamps: how long an answer is cached and its addresses admitted. */
  minTtl: number;
  maxTtl: number;
  /** Seconds an admitted address stays in the firewall past its TTL. */
  grace: number;
  /** How an unlisted name is answered. */
  refuseWith: "refused" | "nxdomain";
  cacheMax?: number;
}

export interface ForwarderDeps {
  now(): number;
  exchange(query: Packet): Promise<Packet>;
  /** Puts the addresses into the firewall for `ttl` seconds (plus grace); throws when it cannot. */
  admit(name: string, addresses: AdmittedAddress[], ttl: number): Promise<void>;
  /** Why an address in an answer for `name` must not be admitted (rebinding), or null. */
  rebinding(name: string, address: string): string | null;
  log(line: string): void;
}

export interface ForwarderCounters {
  queries: number;
  answered: number;
  cached: number;
  refused: number;
  servfail: number;
  stripped: number;
  malformed: number;
}

const MAX_CHASE = 8;
const MAX_ADMISSIONS = 150_000;
const SAMPLE = 20;
const MAX_TCP_CONNECTIONS = 256;
const TCP_IDLE_MS = 10_000;
const PRUNE_EVERY_MS = 30_000;
const UDP_RECEIVE_BUFFER = 1 << 20;

class ServFail extends Error {}

/** A name as it may appear in a log line: printable ASCII, bounded. */
const printable = (s: string) => s.replace(/[^\x21-\x7e]/g, "?").slice(0, 120);

export class DnsForwarder {
  readonly counters: ForwarderCounters = {
    queries: 0,
    answered: 0,
    cached: 0,
    refused: 0,
    servfail: 0,
    stripped: 0,
    malformed: 0,
  };
  /** The last refused names, newest last. */
  readonly refusedSample: string[] = [];
  private readonly policy: NamePolicy;
  /** Replies in wire form, served by patching id, question and TTLs: no decoding or encoding on a hit. */
  private readonly cache: AnswerCache;
  private readonly inflight = new Map<string, Promise<WireReply>>();
  private readonly admissions = new Admissions(MAX_ADMISSIONS);
  private prunedAt = -Infinity;
  private udp?: dgram.Socket;
  private tcp?: net.Server;

  constructor(
    private readonly cfg: ForwarderConfig,
    private readonly deps: ForwarderDeps,
  ) {
    this.policy = namePolicy(cfg.patterns);
    // Bounded so a flood of distinct names (below a wildcard) cannot grow the daemon past its heap.
    this.cache = new AnswerCache(cfg.cacheMax ?? 100_000);
  }

  private clamp(ttl: number): number {
    return Math.min(Math.max(ttl, this.cfg.minTtl), this.cfg.maxTtl);
  }

  private refuse(query: Packet, name: string): Packet {
    this.counters.refused++;
    this.refusedSample.push(printable(name));
    if (this.refusedSample.length > SAMPLE) this.refusedSample.shift();
    return reply(query, this.cfg.refuseWith === "nxdomain" ? RCODE.NXDOMAIN : RCODE.REFUSED);
  }

  /**
   * The reply to one query (wire format in and out); null for something that is not a DNS query
   * at all. A cached answer comes back synchronously (the hot path: no promise per query).
   */
  handle(buf: Buffer, transport: "udp" | "tcp"): Buffer | Promise<Buffer | null> | null {
    const wq = readQuestion(buf);
    if (!wq) return this.malformed(buf);
    this.counters.queries++;
    const now = this.deps.now();
    const hit = this.cache.answer(buf, wq, now);
    if (!hit) return this.answer(buf, wq, questionName(buf, wq), now, transport);
    this.counters.cached++;
    this.counters.answered++;
    return this.fit(hit, buf, wq, transport);
  }

  /** A query the cache does not answer: refused, a reverse lookup, or resolved upstream. */
  private async answer(
    buf: Buffer,
    wq: WireQuestion,
    name: string,
    now: number,
    transport: "udp" | "tcp",
  ): Promise<Buffer | null> {
    let query: Packet;
    try {
      query = dnsPacket.decode(buf);
    } catch {
      return this.malformed(buf);
    }
    const q = query.questions![0]!;
    let out: Packet;
    if (q.type === "PTR" && reverseAddress(name)) out = this.answerReverse(query, name, now);
    else if (!this.policy.admit(name, now)) out = this.refuse(query, name);
    else {
      try {
        const entry = await this.resolveShared(query, wq, name, q.type);
        this.counters.answered++;
        return this.fit(patchReply(entry, buf, wq, this.deps.now()), buf, wq, transport);
      } catch (e) {
        this.counters.servfail++;
        this.deps.log(`SERVFAIL for ${printable(name)} ${q.type}: ${(e as Error).message}`);
        out = reply(query, RCODE.SERVFAIL);
      }
    }
    return this.fit(dnsPacket.encode(out), buf, wq, transport);
  }

  /** A reply too big for the client's UDP says so (TC, no records); the client asks again over TCP. */
  private fit(out: Buffer, query: Buffer, wq: WireQuestion, transport: "udp" | "tcp"): Buffer {
    if (transport === "tcp" || out.length <= udpLimit(wq.ednsSize)) return out;
    const tc = Buffer.alloc(wq.end);
    query.copy(tc, 0, 0, wq.end);
    tc[2] = 0x80 | 0x02 | (query[2]! & 0x01); // QR, TC, RD as asked
    tc[3] = 0x80 | (out[3]! & 0x0f); // RA, the reply's code
    return tc;
  }

  private malformed(buf: Buffer): Buffer | null {
    this.counters.malformed++;
    try {
      const p = dnsPacket.decode(buf);
      return p.type === "query" ? dnsPacket.encode(reply(p, RCODE.FORMERR)) : null;
    } catch {
      return null; // not DNS at all: no answer
    }
  }

  private answerReverse(query: Packet, name: string, now: number): Packet {
    const address = reverseAddress(name)!;
    const held = this.admissions.get(address);
    if (!held || held.until <= now) return this.refuse(query, name);
    this.counters.answered++;
    const ttl = Math.max(0, Math.floor((held.until - now) / 1000) - this.cfg.grace);
    return reply(query, RCODE.NOERROR, [{ name, type: "PTR", ttl, class: "IN", data: held.name } as Answer]);
  }

  /** One upstream resolution per name and type at a time; concurrent askers share it. */
  private resolveShared(query: Packet, wq: WireQuestion, name: string, type: string): Promise<WireReply> {
    const key = `${name}|${wq.type}|${wq.klass}`;
    const running = this.inflight.get(key);
    if (running) return running;
    const p = this.resolve(query, name, type)
      .then((r) => {
        // Encoded once, without the client's id or EDNS: patchReply fits it to each query.
        const base: Packet = {
          ...reply({ ...query, id: 0, additionals: [] }, r.rcode, r.answers, r.authorities),
          flags: (1 << 7) | r.rcode,
        };
        const entry = wireReply(dnsPacket.encode(base), r.expiresAt);
        if (r.rcode !== RCODE.SERVFAIL && r.expiresAt > this.deps.now()) this.cache.set(entry);
        return entry;
      })
      .finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }

  private async resolve(
    query: Packet,
    name: string,
    type: string,
  ): Promise<{ rcode: number; answers: Answer[]; authorities: Answer[]; expiresAt: number }> {
    const answers: Answer[] = [];
    const addresses: AdmittedAddress[] = [];
    let authorities: Answer[] = [];
    let rcode: number = RCODE.NOERROR;
    let minTtl: number | null = null;
    let at = name;
    for (let hop = 0; hop < MAX_CHASE; hop++) {
      const upQuery =
        hop === 0 ? query : { ...query, questions: [{ name: at, type: type as "A", class: "IN" as const }] };
      let res: Packet;
      try {
        res = await this.deps.exchange(upQuery);
      } catch (e) {
        throw new ServFail(`upstream: ${(e as Error).message}`);
      }
      rcode = (res.flags ?? 0) & 15;
      authorities = (res.authorities ?? []) as Answer[];
      if (rcode !== RCODE.NOERROR) break;
      const a = analyzeAnswer(at, type, (res.answers ?? []) as Answer[], (addr) => this.deps.rebinding(name, addr));
      answers.push(...a.answers);
      addresses.push(...a.addresses);
      if (a.stripped.length) {
        this.counters.stripped += a.stripped.length;
        for (const s of a.stripped)
          this.deps.log(`stripped ${s.address} from the answer for ${printable(name)}: ${s.reason}`);
      }
      if (a.minTtl !== null) minTtl = minTtl === null ? a.minTtl : Math.min(minTtl, a.minTtl);
      const now = this.deps.now();
      for (const t of a.chainTargets) this.policy.learnChain(t.name, now + this.clamp(t.ttl) * 1000);
      if (!a.dangling) break;
      at = a.dangling;
    }
    const now = this.deps.now();
    if (rcode === RCODE.SERVFAIL || rcode === RCODE.REFUSED)
      return { rcode, answers: [], authorities: [], expiresAt: now };
    if (answers.length === 0) {
      // NXDOMAIN or NODATA: cached for the SOA's negative TTL, never longer than max_ttl.
      const neg = Math.min(negativeTtl(authorities) ?? 5, this.cfg.maxTtl);
      return { rcode, answers: [], authorities, expiresAt: now + Math.max(1, neg) * 1000 };
    }
    const ttl = this.clamp(minTtl ?? 0);
    if (addresses.length) {
      try {
        await this.deps.admit(name, addresses, ttl);
      } catch (e) {
        throw new ServFail(`could not admit ${addresses.map((x) => x.address).join(", ")}: ${(e as Error).message}`);
      }
      const until = this.deps.now() + (ttl + this.cfg.grace) * 1000;
      for (const x of addresses) this.admissions.hold(x.address, x.family, name, until);
    }
    return { rcode, answers, authorities: [], expiresAt: this.deps.now() + ttl * 1000 };
  }

  /** Listens for UDP and TCP on address:port. */
  async listen(address: string, port: number): Promise<void> {
    const udp = dgram.createSocket({ type: address.includes(":") ? "udp6" : "udp4", lookup: literalOnly });
    udp.on("message", (msg, rinfo) => {
      const out = this.handle(msg, "udp");
      // A hit is answered here and now: no closure or promise for it.
      if (out instanceof Promise) void out.then((o) => o && udp.send(o, rinfo.port, rinfo.address));
      else if (out) udp.send(out, rinfo.port, rinfo.address);
    });
    await new Promise<void>((resolve, reject) => {
      udp.once("error", reject);
      udp.bind(port, address, () => {
        udp.off("error", reject);
        resolve();
      });
    });
    udp.on("error", (e) => this.deps.log(`UDP socket error: ${e.message}`));
    // A burst larger than the default receive buffer (about 200 kB, which holds some 250 queries:
    // each datagram counts about 800 bytes) is dropped by the kernel before the forwarder sees it,
    // and each dropped query costs its client a timeout. Asked for more; the kernel gives at most
    // twice net.core.rmem_max (over 500 queries at the default cap).
    try {
      udp.setRecvBufferSize(UDP_RECEIVE_BUFFER);
    } catch (e) {
      this.deps.log(`UDP receive buffer left at the system default: ${(e as Error).message}`);
    }
    this.udp = udp;
    const tcp = net.createServer((sock) => this.serveTcp(sock));
    tcp.maxConnections = MAX_TCP_CONNECTIONS;
    await new Promise<void>((resolve, reject) => {
      tcp.once("error", reject);
      tcp.listen(port, address, () => {
        tcp.off("error", reject);
        resolve();
      });
    });
    this.tcp = tcp;
  }

  private serveTcp(sock: net.Socket): void {
    let buf = Buffer.alloc(0);
    sock.setTimeout(TCP_IDLE_MS, () => sock.destroy());
    sock.on("error", () => sock.destroy());
    sock.on("data", (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const len = buf.readUInt16BE(0);
        const msg = buf.subarray(2, 2 + len);
        buf = buf.subarray(2 + len);
        void Promise.resolve(this.handle(Buffer.from(msg), "tcp")).then((out) => {
          if (!out || sock.destroyed) return;
          const head = Buffer.alloc(2);
          head.writeUInt16BE(out.length);
          sock.write(Buffer.concat([head, out]));
        });
      }
      if (buf.length > 70_000) sock.destroy();
    });
  }

  /** Until when (epoch ms, grace included) the forwarder has an address in the firewall. */
  heldUntil(address: string): { family: 4 | 6; until: number } | undefined {
    return this.admissions.get(address);
  }

  status(now: number) {
    // Pruning walks every record (at 100k names, milliseconds in which no query is answered): not on
    // every status write (once a second while answering), at most every PRUNE_EVERY_MS. Expired
    // entries serve nothing meanwhile; a lookup drops the one it meets.
    if (now - this.prunedAt >= PRUNE_EVERY_MS) {
      this.cache.prune(now);
      this.admissions.prune(now);
      this.prunedAt = now;
    }
    return {
      cache: this.cache.size,
      chainTargets: this.policy.chainSize(now),
      ...this.counters,
      refusedSample: [...this.refusedSample],
    };
  }

  close(): void {
    this.udp?.close();
    this.tcp?.close();
  }
}
