import type { Answer } from "dns-packet";
import { describe, expect, it } from "vitest";
import dnsPacket from "dns-packet";
import { AnswerCache } from "../../../firewall/dns-forwarder/answer-cache.js";
import { patchReply, readQuestion, wireReply } from "../../../firewall/dns-forwarder/wire.js";
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
    expect(udpLimit(readQuestion(dnsPacket.encode(edns))!.ednsSize)).toBe(4096);
    expect(udpLimit(readQuestion(dnsPacket.encode(query))!.ednsSize)).toBe(512);
    expect([udpLimit(100), udpLimit(65535)]).toEqual([512, 4096]);
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
  it("serves until the entry ends, then forgets it", () => {
    const c = new AnswerCache<{ expiresAt: number }>(10);
    const key = AnswerCache.key("x.test", 1);
    c.set(key, { expiresAt: 30_000 });
    expect(c.get(key, 29_999)).toEqual({ expiresAt: 30_000 });
    expect(c.get(key, 30_000)).toBeNull();
    expect(c.size).toBe(0);
  });

  it("drops the least recently used entry when full", () => {
    const c = new AnswerCache<{ expiresAt: number }>(2);
    const e = { expiresAt: 1e9 };
    c.set("a", e);
    c.set("b", e);
    c.get("a", 0);
    c.set("c", e);
    expect([c.get("a", 0), c.get("b", 0), c.get("c", 0)].map(Boolean)).toEqual([true, false, true]);
  });
});

describe("wire replies", () => {
  const query = (id: number, name: string, edns = false) =>
    dnsPacket.encode({
      id,
      type: "query",
      flags: dnsPacket.RECURSION_DESIRED,
      questions: [{ type: "A", name, class: "IN" }],
      ...(edns ? { additionals: [{ type: "OPT", name: ".", udpPayloadSize: 4096 } as unknown as Answer] } : {}),
    });

  it("reads the question and EDNS size of a query, and nothing else", () => {
    expect(readQuestion(query(9, "Allowed.TEST", true))).toEqual({
      id: 9,
      recursionDesired: true,
      name: "allowed.test",
      type: 1,
      klass: 1,
      end: 12 + 14 + 4,
      ednsSize: 4096,
    });
    const response = dnsPacket.encode({ id: 1, type: "response", questions: [{ type: "A", name: "x.test" }] });
    expect(readQuestion(response)).toBeNull();
    expect(readQuestion(Buffer.from("garbage, not DNS"))).toBeNull();
  });

  it("serves a cached reply to another query: its id, its spelling, TTLs counted down, EDNS when asked", () => {
    const cached = wireReply(
      dnsPacket.encode({
        id: 0,
        type: "response",
        flags: 1 << 7,
        questions: [{ type: "A", name: "alias.test", class: "IN" }],
        answers: [cname("alias.test", "edge.test", 300), a("edge.test", "198.51.100.14", 20)],
      }),
      50_000,
    );
    const q = query(4242, "ALIAS.test", true);
    const out = dnsPacket.decode(patchReply(cached, q, readQuestion(q)!, 35_500));
    expect(out).toMatchObject({
      id: 4242,
      type: "response",
      flags: (1 << 8) | (1 << 7), // RD as asked, RA
      questions: [{ name: "ALIAS.test", type: "A" }],
      answers: [
        { name: "alias.test", type: "CNAME", ttl: 14, data: "edge.test" },
        { name: "edge.test", type: "A", ttl: 14, data: "198.51.100.14" },
      ],
      additionals: [{ type: "OPT", udpPayloadSize: 1232 }],
    });
    const plain = query(7, "alias.test");
    expect(
      dnsPacket
        .decode(patchReply(cached, plain, readQuestion(plain)!, 0))
        .answers?.map((r) => (r as { ttl: number }).ttl),
    ).toEqual([50, 20]); // at most what is left of the entry
  });
});
