// Sends a query on to the upstream resolvers and returns the decoded answer:
// UDP first (one socket per family, answers matched by id and question), TCP
// when the answer is truncated, the next resolver when one does not answer in
// time. The client's query goes on as asked (EDNS included) under a fresh id.
import { randomInt } from "node:crypto";
import dgram from "node:dgram";
import net from "node:net";
import dnsPacket, { type Packet } from "dns-packet";
import { ipFamily } from "../net-address.js";
import { canonicalName } from "./name-policy.js";

export interface UpstreamOptions {
  servers: string[];
  port?: number;
  timeoutMs?: number;
}

interface Pending {
  name: string;
  type: string;
  resolve: (p: Packet) => void;
}

export class UpstreamError extends Error {}

export class Upstream {
  private readonly sockets = new Map<4 | 6, dgram.Socket>();
  private readonly pending = new Map<number, Pending>();
  private readonly port: number;
  private readonly timeoutMs: number;

  constructor(private readonly o: UpstreamOptions) {
    this.port = o.port ?? 53;
    this.timeoutMs = o.timeoutMs ?? 1500;
  }

  private socket(family: 4 | 6): dgram.Socket {
    let s = this.sockets.get(family);
    if (s) return s;
    s = dgram.createSocket(family === 4 ? "udp4" : "udp6");
    s.on("message", (buf) => this.onMessage(buf));
    s.on("error", () => {
      // A socket error fails the queries waiting on it through their timeouts; a new socket next time.
      this.sockets.delete(family);
    });
    s.unref();
    this.sockets.set(family, s);
    return s;
  }

  private onMessage(buf: Buffer): void {
    let p: Packet;
    try {
      p = dnsPacket.decode(buf);
    } catch {
      return; // not DNS: ignore
    }
    const waiting = p.id === undefined ? undefined : this.pending.get(p.id);
    const q = p.questions?.[0];
    if (!waiting || p.type !== "response" || !q) return;
    if (canonicalName(q.name) !== waiting.name || q.type !== waiting.type) return; // spoofed or stray
    this.pending.delete(p.id!);
    waiting.resolve(p);
  }

  private freshId(): number {
    for (;;) {
      const id = randomInt(0, 65536);
      if (!this.pending.has(id)) return id;
    }
  }

  /** The answer to `query` from the first resolver that gives one. Throws UpstreamError when none does. */
  async exchange(query: Packet): Promise<Packet> {
    const q = query.questions?.[0];
    if (!q) throw new UpstreamError("query without a question");
    let last = "no resolver configured";
    for (const server of this.o.servers) {
      try {
        const udp = await this.overUdp(server, query);
        if (!(udp.flags !== undefined && udp.flags & dnsPacket.TRUNCATED_RESPONSE)) return udp;
        return await this.overTcp(server, query);
      } catch (e) {
        last = `${server}: ${(e as Error).message}`;
      }
    }
    throw new UpstreamError(last);
  }

  private overUdp(server: string, query: Packet): Promise<Packet> {
    const family = ipFamily(server);
    if (!family) return Promise.reject(new UpstreamError(`not an address: ${server}`));
    const q = query.questions![0]!;
    const id = this.freshId();
    const buf = dnsPacket.encode({ ...query, id });
    return new Promise<Packet>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new UpstreamError(`no answer in ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.pending.set(id, {
        name: canonicalName(q.name),
        type: q.type,
        resolve: (p) => {
          clearTimeout(timer);
          resolve(p);
        },
      });
      this.socket(family).send(buf, this.port, server, (err) => {
        if (!err) return;
        clearTimeout(timer);
        this.pending.delete(id);
        reject(new UpstreamError(err.message));
      });
    });
  }

  private overTcp(server: string, query: Packet): Promise<Packet> {
    const id = this.freshId();
    const q = query.questions![0]!;
    return new Promise<Packet>((resolve, reject) => {
      const sock = net.connect({ host: server, port: this.port });
      let got = Buffer.alloc(0);
      const done = (err: Error | null, p?: Packet) => {
        clearTimeout(timer);
        sock.destroy();
        if (err) reject(err);
        else resolve(p!);
      };
      const timer = setTimeout(() => done(new UpstreamError(`no TCP answer in ${this.timeoutMs} ms`)), this.timeoutMs);
      sock.on("connect", () => sock.write(dnsPacket.streamEncode({ ...query, id })));
      sock.on("data", (chunk: Buffer) => {
        got = Buffer.concat([got, chunk]);
        if (got.length < 2 || got.length < 2 + got.readUInt16BE(0)) return;
        try {
          const p = dnsPacket.streamDecode(got);
          const pq = p.questions?.[0];
          if (p.id !== id || !pq || canonicalName(pq.name) !== canonicalName(q.name) || pq.type !== q.type)
            return done(new UpstreamError("TCP answer does not match the question"));
          done(null, p);
        } catch (e) {
          done(new UpstreamError(`malformed TCP answer: ${(e as Error).message}`));
        }
      });
      sock.on("error", (e) => done(new UpstreamError(e.message)));
      sock.on("close", () => done(new UpstreamError("connection closed before an answer")));
    });
  }

  close(): void {
    for (const s of this.sockets.values()) s.close();
    this.sockets.clear();
  }
}
