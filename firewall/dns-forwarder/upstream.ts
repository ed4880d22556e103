// Sends a client's query on to the upstream resolvers, as asked (EDNS
// included), through the resolver's transport (firewall/dns/resolver.ts:
// shared UDP sockets rotated every 128 queries, replies matched by source,
// id and question, TCP when truncated): the first resolver that answers wins.
import type { Packet } from "dns-packet";
import { exchange } from "../dns/resolver.js";

export interface UpstreamOptions {
  servers: string[];
  port?: number;
  timeoutMs?: number;
}

export class UpstreamError extends Error {}

export class Upstream {
  constructor(private readonly o: UpstreamOptions) {}

  /** The answer to `query` from the first resolver that gives one. Throws UpstreamError when none does. */
  async exchange(query: Packet): Promise<Packet> {
    let last = "no resolver configured";
    for (const server of this.o.servers) {
      try {
        return await exchange(
          { server, port: this.o.port ?? 53, timeoutMs: this.o.timeoutMs ?? 1500, attempts: 1 },
          query,
        );
      } catch (e) {
        last = `${server}: ${(e as Error).message}`;
      }
    }
    throw new UpstreamError(last);
  }
}
