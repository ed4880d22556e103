// The DNS forwarder: the only resolver the container's processes may use. It
// answers allowed names only (exact, below a wildcard, or a CNAME target an
// allowed name led to), admits an answer's addresses into the firewall's sets
// and only then replies, and refuses every other name without sending it on,
// so the upstream never sees it. A failed admission is SERVFAIL: a client never
// gets an address the firewall does not let it reach.
import dgram from "node:dgram";
import net from "node:net";
import dnsPacket, { type Answer, type Packet } from "dns-packet";
import { AnswerCache, countedDown, type CachedAnswer } from "./answer-cache.js";
import { analyzeAnswer, negativeTtl, RCODE, reply, udpLimit, type AdmittedAddress } from "./answer.js";
import { canonicalName, namePolicy, reverseAddress, type NamePolicy } from "./name-policy.js";

export interface ForwarderConfig {
  /** The allowlist's names and `*.` patterns. */
  patterns: string[];
  /** The refresher's TTL clamps: how long an answer is cached and its addresses admitted. */
  minTtl: number;
  maxTtl: number;
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
const SAMPLE = 20;
const MAX_TCP_CONNECTIONS = 256;
const TCP_IDLE_MS = 10_000;

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
  private readonly cache: AnswerCache;
  private readonly inflight = new Map<string, Promise<CachedAnswer>>();
  /** Admitted address -> the name it answered and until when: what reverse lookups may return. */
  private readonly reverse = new Map<string, { name: string; until: number }>();
  private udp?: dgram.Socket;
  private tcp?: net.Server;

  constructor(
    private readonly cfg: ForwarderConfig,
    private readonly deps: ForwarderDeps,
  ) {
    this.policy = namePolicy(cfg.patterns);
    this.cache = new AnswerCache(cfg.cacheMax ?? 200_000);
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

  /** The reply to one query (wire format in and out); null for something that is not a DNS query at all. */
  async handle(buf: Buffer, transport: "udp" | "tcp"): Promise<Buffer | null> {
    let query: Packet;
    try {
      query = dnsPacket.decode(buf);
    } catch {
      this.counters.malformed++;
      return null;
    }
    this.counters.queries++;
    const q = query.questions?.[0];
    if (query.type !== "query" || !q || (query.questions?.length ?? 0) !== 1) {
      this.counters.malformed++;
      return dnsPacket.encode(reply(query, RCODE.FORMERR));
    }
    const name = canonicalName(q.name);
    const now = this.deps.now();
    let out: Packet;
    if (q.type === "PTR" && reverseAddress(name)) out = this.answerReverse(query, name, now);
    else if (!this.policy.admit(name, now)) out = this.refuse(query, name);
    else {
      try {
        const key = AnswerCache.key(name, q.type, q.class ?? "IN");
        let entry = this.cache.get(key, now);
        if (entry) this.counters.cached++;
        else entry = await this.resolveShared(key, query, name, q.type);
        out = reply(
          query,
          entry.rcode,
          countedDown(entry.answers, entry.expiresAt, this.deps.now()),
          countedDown(entry.authorities, entry.expiresAt, this.deps.now()),
        );
        this.counters.answered++;
      } catch (e) {
        this.counters.servfail++;
        this.deps.log(`SERVFAIL for ${printable(name)} ${q.type}: ${(e as Error).message}`);
        out = reply(query, RCODE.SERVFAIL);
      }
    }
    const wire = dnsPacket.encode(out);
    if (transport === "udp" && wire.length > udpLimit(query)) {
      // Too big for the client's UDP: say so; it asks again over TCP.
      return dnsPacket.encode({ ...reply(query, out.flags! & 15), flags: out.flags! | dnsPacket.TRUNCATED_RESPONSE });
    }
    return wire;
  }

  private answerReverse(query: Packet, name: string, now: number): Packet {
    const address = reverseAddress(name)!;
    const held = this.reverse.get(address);
    if (!held || held.until <= now) return this.refuse(query, name);
    this.counters.answered++;
    const ttl = Math.max(0, Math.floor((held.until - now) / 1000));
    return reply(query, RCODE.NOERROR, [{ name, type: "PTR", ttl, class: "IN", data: held.name } as Answer]);
  }

  /** One upstream resolution per name and type at a time; concurrent askers share it. */
  private resolveShared(key: string, query: Packet, name: string, type: string): Promise<CachedAnswer> {
    const running = this.inflight.get(key);
    if (running) return running;
    const p = this.resolve(query, name, type).finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    p.then(
      (entry) => {
        if (entry.rcode !== RCODE.SERVFAIL) this.cache.set(key, entry);
      },
      () => undefined,
    );
    return p;
  }

  private async resolve(query: Packet, name: string, type: string): Promise<CachedAnswer> {
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
      const until = this.deps.now() + ttl * 1000;
      for (const x of addresses) this.reverse.set(x.address, { name, until });
    }
    return { rcode, answers, authorities: [], expiresAt: this.deps.now() + ttl * 1000 };
  }

  /** Listens for UDP and TCP on address:port. */
  async listen(address: string, port: number): Promise<void> {
    const udp = dgram.createSocket(address.includes(":") ? "udp6" : "udp4");
    udp.on("message", (msg, rinfo) => {
      void this.handle(msg, "udp").then((out) => {
        if (out) udp.send(out, rinfo.port, rinfo.address);
      });
    });
    await new Promise<void>((resolve, reject) => {
      udp.once("error", reject);
      udp.bind(port, address, () => {
        udp.off("error", reject);
        resolve();
      });
    });
    udp.on("error", (e) => this.deps.log(`UDP socket error: ${e.message}`));
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
        void this.handle(Buffer.from(msg), "tcp").then((out) => {
          if (!out || sock.destroyed) return;
          const head = Buffer.alloc(2);
          head.writeUInt16BE(out.length);
          sock.write(Buffer.concat([head, out]));
        });
      }
      if (buf.length > 70_000) sock.destroy();
    });
  }

  status(now: number) {
    this.cache.prune(now);
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
