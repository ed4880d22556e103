import type { Answer } from "dns-packet";
import { describe, expect, it } from "vitest";
import { AnswerCache, countedDown } from "../../../firewall/dns-forwarder/answer-cache.js";
import { analyzeAnswer, negativeTtl, RCODE, reply, udpLimit } from "../../../firewall/dns-forwarder/answer.js";

const a = (name: string, data: string, ttl = 60): Answer => ({ name, type: "A", ttl, class: "IN", data });
const aaaa = (name: string, data: string, ttl = 60): Answer => ({ name, type: "AAAA", ttl, class: "IN", data });
const cname = (name: string, data: string, ttl = 60): Answer => ({ name, type: "CNAME", ttl, class: "IN", data });
const noRebind = () => null;

describe("analyzeAnswer", () => {
  it("keeps the chain from the asked name and the addresses at its end, drops records for other names", () => {
    const r = analyzeAnswer(
      "alias.test",
      "A",
      [
        cname("alias.test", "Edge.CDN.test", 300),
        a("edge.cdn.test", "198.51.100.14", 20),
        a("other.test", "198.51.100.99"),
      ],
      noRebind,
    );
    expect(r).toEqual({
      answers: [cname("alias.test", "Edge.CDN.test", 300), a("edge.cdn.test", "198.51.100.14", 20)],
      addresses: [{ address: "198.51.100.14", family: 4, ttl: 20 }],
      stripped: [],
      chainTargets: [{ name: "edge.cdn.test", ttl: 300 }],
      dangling: null,
      minTtl: 20,
    });
  });

  it("strips what the rebinding filter rejects and keeps the rest", () => {
    const r = analyzeAnswer(
      "allowed.test",
      "A",
      [a("allowed.test", "10.0.0.1"), a("allowed.test", "198.51.100.10")],
      (addr) => (addr.startsWith("10.") ? "private range 10.0.0.0/8" : null),
    );
    expect(r.answers).toEqual([a("allowed.test", "198.51.100.10")]);
    expect(r.addresses).toEqual([{ address: "198.51.100.10", family: 4, ttl: 60 }]);
    expect(r.stripped).toEqual([{ address: "10.0.0.1", reason: "private range 10.0.0.0/8" }]);
  });

  it("reports a chain that ends without the asked type as dangling, and stops at a loop", () => {
    expect(analyzeAnswer("x.test", "AAAA", [cname("x.test", "y.other")], noRebind).dangling).toBe("y.other");
    const loop = analyzeAnswer("l1.test", "A", [cname("l1.test", "l2.test"), cname("l2.test", "l1.test")], noRebind);
    expect(loop.chainTargets).toEqual([{ name: "l2.test", ttl: 60 }]);
    expect(loop.addresses).toEqual([]);
  });

  it("passes other types through without admitting anything", () => {
    const mx: Answer = {
      name: "allowed.test",
      type: "MX",
      ttl: 30,
      class: "IN",
      data: { preference: 10, exchange: "mx.test" },
    };
    const r = analyzeAnswer("allowed.test", "MX", [mx], noRebind);
    expect(r).toMatchObject({ answers: [mx], addresses: [], minTtl: 30 });
    expect(analyzeAnswer("v6.test", "AAAA", [aaaa("v6.test", "2001:db8:cd::10")], noRebind).addresses).toEqual([
      { address: "2001:db8:cd::10", family: 6, ttl: 60 },
    ]);
  });
});

describe("replies", () => {
  it("copies the question and RD, sets RA and the code, and answers EDNS with EDNS", () => {
    const query = {
      id: 7,
      type: "query" as const,
      flags: 1 << 8,
      questions: [{ name: "x.test", type: "A" as const, class: "IN" as const }],
    };
    expect(reply(query, RCODE.REFUSED)).toEqual({
      id: 7,
      type: "response",
      flags: (1 << 8) | (1 << 7) | 5,
      questions: query.questions,
      answers: [],
      authorities: [],
      additionals: [],
    });
    const edns = { ...query, additionals: [{ type: "OPT", name: ".", udpPayloadSize: 4096 } as unknown as Answer] };
    expect(reply(edns, 0).additionals).toHaveLength(1);
    expect(udpLimit(edns)).toBe(4096);
    expect(udpLimit(query)).toBe(512);
  });

  it("takes the negative TTL from the SOA", () => {
    const soa: Answer = {
      name: "test",
      type: "SOA",
      ttl: 300,
      class: "IN",
      data: { mname: "ns.test", rname: "h.test", serial: 1, refresh: 1, retry: 1, expire: 1, minimum: 15 },
    };
    expect(negativeTtl([soa])).toBe(15);
    expect(negativeTtl([])).toBeNull();
  });
});

describe("AnswerCache", () => {
  it("serves until the entry ends, counting TTLs down, never above a record's own", () => {
    const c = new AnswerCache(10);
    const key = AnswerCache.key("x.test", "A");
    c.set(key, { rcode: 0, answers: [a("x.test", "198.51.100.10", 5)], authorities: [], expiresAt: 30_000 });
    const e = c.get(key, 0)!;
    expect(countedDown(e.answers, e.expiresAt, 0)).toEqual([a("x.test", "198.51.100.10", 5)]);
    expect(countedDown(e.answers, e.expiresAt, 27_500)).toEqual([a("x.test", "198.51.100.10", 2)]);
    expect(c.get(key, 30_000)).toBeNull();
    expect(c.size).toBe(0);
  });

  it("drops the least recently used entry when full", () => {
    const c = new AnswerCache(2);
    const e = { rcode: 0, answers: [], authorities: [], expiresAt: 1e9 };
    c.set("a", e);
    c.set("b", e);
    c.get("a", 0);
    c.set("c", e);
    expect([c.get("a", 0), c.get("b", 0), c.get("c", 0)].map(Boolean)).toEqual([true, false, true]);
  });
});
