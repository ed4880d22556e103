import type { Answer } from "dns-packet";
import { describe, expect, it } from "vitest";
import dnsPacket from "dns-packet";
import { Admissions, AnswerCache, wireQuestionHash } from "../../../firewall/dns-forwarder/answer-cache.js";
import {
  patchReply,
  pointOwnersAtQuestion,
  questionName,
  readQuestion,
  wireReply,
} from "../../../firewall/dns-forwarder/wire.js";
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
  /** A reply to `name` whose one address ends in `n`, as the forwarder caches it. */
  const reply = (name: string, n: number, extra = 0, spelled = name, type: "A" | "AAAA" = "A") =>
    wireReply(
      dnsPacket.encode({
        id: 0,
        type: "response",
        questions: [{ type, name: spelled, class: "IN" }],
        answers: Array.from({ length: 1 + extra }, (_, k) => a(name, `198.51.${k}.${n}`)),
      }),
      0,
    );
  const at = (e: ReturnType<typeof reply>, expiresAt: number) => ({ ...e, expiresAt });
  /** A query for `name` as a client sends it: id 0, no RD, no EDNS. */
  const ask = (name: string, type: "A" | "AAAA" = "A", klass: "IN" | "CH" = "IN") =>
    dnsPacket.encode({ id: 0, type: "query", questions: [{ type, name, class: klass }] });
  const answer = (c: AnswerCache, query: Buffer, now = 0) => c.answer(query, readQuestion(query)!, now);
  /** The last octet of the first address the cache serves for `name`, or null. */
  const served = (c: AnswerCache, name: string, now = 0) => {
    const hit = answer(c, ask(name), now);
    return hit ? Number((dnsPacket.decode(hit).answers![0] as { data: string }).data.split(".")[3]) : null;
  };

  it("serves until the entry ends, then forgets it", () => {
    const c = new AnswerCache(10);
    const r = reply("x.test", 7);
    c.set(at(r, 30_000));
    const hit = answer(c, ask("x.test"), 29_999);
    // The reply as cached, the TTL cut to what is left of the entry (0 s).
    expect(dnsPacket.decode(hit!)).toMatchObject({
      type: "response",
      questions: [{ name: "x.test", type: "A", class: "IN" }],
      answers: [{ name: "x.test", type: "A", ttl: 0, data: "198.51.0.7" }],
    });
    expect(answer(c, ask("x.test", "AAAA"), 0)).toBeNull(); // another type
    expect(answer(c, ask("x.test", "A", "CH"), 0)).toBeNull(); // another class
    expect(answer(c, ask("x.test"), 30_000)).toBeNull();
    expect(c.size).toBe(0);
  });

  it("finds a reply by its question in any case, and never by a name that only starts or ends like it", () => {
    const c = new AnswerCache(10);
    c.set(at(reply("www.example.test", 5, 0, "WWW.Example.TEST"), 1e9));
    expect(
      [
        "www.example.test",
        "WwW.eXample.test",
        "www.example.tes",
        "www.example.testx",
        "ww.example.test",
        "www.example",
      ].map((n) => served(c, n)),
    ).toEqual([5, 5, null, null, null, null]);
  });

  it("tells labels apart from the same letters with the dots elsewhere", () => {
    const c = new AnswerCache(10);
    c.set(at(reply("ab.c.test", 1), 1e9));
    expect(["a.bc.test", "abc.test", "ab.c.test"].map((n) => served(c, n))).toEqual([null, null, 1]);
  });

  it("drops the least recently used entry when full", () => {
    const c = new AnswerCache(2);
    c.set(at(reply("a.test", 1), 1e9));
    c.set(at(reply("b.test", 2), 1e9));
    served(c, "a.test");
    c.set(at(reply("c.test", 3), 1e9));
    expect(["a.test", "b.test", "c.test"].map((n) => served(c, n))).toEqual([1, null, 3]);
  });

  it("counts a hit as use at most once a second: within it, the order of the first hits stands", () => {
    const c = new AnswerCache(2);
    c.set(at(reply("a.test", 1), 1e9));
    c.set(at(reply("b.test", 2), 1e9));
    served(c, "a.test", 5_000); // a is now the younger
    served(c, "b.test", 5_100); // b the younger
    served(c, "a.test", 5_900); // same second as a's last: no change, b stays the younger
    c.set(at(reply("c.test", 3), 1e9));
    expect(["a.test", "b.test", "c.test"].map((n) => served(c, n, 7_000))).toEqual([null, 2, 3]);
    served(c, "b.test", 8_000);
    served(c, "c.test", 8_000);
    served(c, "b.test", 9_000); // a new second: b becomes the younger again
    c.set(at(reply("d.test", 4), 1e9));
    expect(["b.test", "c.test", "d.test"].map((n) => served(c, n, 10_000))).toEqual([2, null, 4]);
  });

  it("never serves one question's reply to another with the same hash: they displace each other", () => {
    // Two names whose 32-bit hashes collide, found by search among pseudo-random names.
    const wireName = (n: string) =>
      Buffer.concat([...n.split(".").map((l) => Buffer.concat([Buffer.of(l.length), Buffer.from(l)])), Buffer.of(0)]);
    const seen = new Map<number, string>();
    let pair: [string, string] | null = null;
    let seed = 1;
    const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0).toString(36);
    for (let i = 0; !pair && i < 500_000; i++) {
      const n = `${rnd()}.${rnd()}.test`;
      const w = wireName(n);
      const h = wireQuestionHash(w, 0, w.length, 1, 1);
      const other = seen.get(h);
      if (other && other !== n) pair = [other, n];
      else seen.set(h, n);
    }
    expect(pair).not.toBeNull();
    const [x, y] = pair!;
    // The search's hash is the one a query gets.
    const qx = ask(x);
    expect(wireQuestionHash(qx, 12, readQuestion(qx)!.nameEnd, 1, 1)).toBe(
      wireQuestionHash(wireName(y), 0, wireName(y).length, 1, 1),
    );
    const c = new AnswerCache(10);
    c.set(at(reply(x, 1), 1e9));
    expect(answer(c, ask(y))).toBeNull();
    c.set(at(reply(y, 2), 1e9));
    expect([served(c, x), served(c, y)]).toEqual([null, 2]);
  });

  it("keeps every live reply byte for byte through many replacements, evictions and compactions", () => {
    const c = new AnswerCache(300);
    const want = new Map<string, number[]>();
    for (let i = 0; i < 5000; i++) {
      const name = `host-${i % 700}.test`;
      const r = reply(name, i & 255, i % 7);
      c.set(wireReply(r.wire, 1e9 + i));
      want.set(name, [...r.wire]);
      if (want.size > 300) want.delete(want.keys().next().value!);
    }
    expect(c.size).toBe(300);
    // Asked with id 0, no RD, long before expiry: the reply served is the reply cached.
    for (const [name, bytes] of want) expect([...(answer(c, ask(name)) ?? [])]).toEqual(bytes);
  });

  it("does not cache a reply whose question it cannot read", () => {
    const c = new AnswerCache(10);
    c.set(wireReply(Buffer.from([0, 0, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12]), 1e9));
    expect(c.size).toBe(0);
  });

  it("prunes what has expired", () => {
    const c = new AnswerCache(10);
    c.set(at(reply("a.test", 1), 10));
    c.set(at(reply("b.test", 2), 20));
    expect(c.prune(15)).toBe(1);
    expect(c.size).toBe(1);
    expect(served(c, "b.test", 15)).toBe(2);
  });
});

describe("Admissions", () => {
  it("holds an address for the longest admission, by IPv4 or IPv6, with the name that led there", () => {
    const a = new Admissions(10);
    a.hold("198.51.100.7", 4, "web.test", 5000);
    a.hold("198.51.100.7", 4, "other.test", 4000); // shorter: ignored
    a.hold("2001:db8::7", 6, "web.test", 7000);
    expect(a.get("198.51.100.7")).toEqual({ name: "web.test", family: 4, until: 5000 });
    expect(a.get("2001:db8::7")).toEqual({ name: "web.test", family: 6, until: 7000 });
    expect(a.get("198.51.100.8")).toBeUndefined();
    a.hold("198.51.100.7", 4, "later.test", 9000);
    expect(a.get("198.51.100.7")).toEqual({ name: "later.test", family: 4, until: 9000 });
    a.prune(8000);
    expect([a.get("198.51.100.7")?.until, a.get("2001:db8::7")]).toEqual([9000, undefined]);
  });

  it("is bounded: the oldest admission goes first", () => {
    const a = new Admissions(2);
    a.hold("10.0.0.1", 4, "a.test", 1e9);
    a.hold("10.0.0.2", 4, "b.test", 1e9);
    a.hold("255.255.255.255", 4, "c.test", 1e9);
    expect(["10.0.0.1", "10.0.0.2", "255.255.255.255"].map((x) => a.get(x)?.name ?? null)).toEqual([
      null,
      "b.test",
      "c.test",
    ]);
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
    const q = query(9, "Allowed.TEST", true);
    expect(readQuestion(q)).toEqual({
      id: 9,
      recursionDesired: true,
      nameEnd: 12 + 14,
      type: 1,
      klass: 1,
      end: 12 + 14 + 4,
      ednsSize: 4096,
    });
    expect(questionName(q, readQuestion(q)!)).toBe("allowed.test");
    const root = dnsPacket.encode({ id: 1, type: "query", questions: [{ type: "NS", name: "." }] });
    expect(questionName(root, readQuestion(root)!)).toBe("");
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
        // The owner that repeats the question points at it, so it reads in the asker's spelling.
        { name: "ALIAS.test", type: "CNAME", ttl: 14, data: "edge.test" },
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

  it("caches owner names that repeat the question as pointers to it: same records, fewer bytes", () => {
    const full = dnsPacket.encode({
      id: 0,
      type: "response",
      flags: 1 << 7,
      questions: [{ type: "A", name: "www.Alias.test", class: "IN" }],
      answers: [
        cname("www.alias.test", "edge.test", 300),
        a("edge.test", "198.51.100.14", 20),
        a("WWW.ALIAS.TEST", "198.51.100.15", 20),
        a("www.alias.testx", "198.51.100.16", 20),
      ],
    });
    const small = pointOwnersAtQuestion(full);
    // "www.alias.test" is 16 bytes in full; two owners spell it (any case) and become 2-byte pointers.
    expect(full.length - small.length).toBe(2 * 14);
    expect(dnsPacket.decode(small)).toEqual({
      ...dnsPacket.decode(full),
      answers: [
        { ...cname("www.Alias.test", "edge.test", 300), flush: false },
        { ...a("edge.test", "198.51.100.14", 20), flush: false },
        { ...a("www.Alias.test", "198.51.100.15", 20), flush: false },
        { ...a("www.alias.testx", "198.51.100.16", 20), flush: false },
      ],
    });
  });

  it("leaves alone what it cannot rewrite safely: pointers already there, a root question, a truncated packet", () => {
    const withPointer = Buffer.from(
      dnsPacket.encode({
        id: 0,
        type: "response",
        questions: [{ type: "A", name: "x.test" }],
        answers: [a("x.test", "198.51.100.1")],
      }),
    );
    const once = pointOwnersAtQuestion(withPointer);
    expect(pointOwnersAtQuestion(once)).toBe(once); // its owner is a pointer now: nothing more to do
    const root = dnsPacket.encode({
      id: 0,
      type: "response",
      questions: [{ type: "NS", name: "." }],
      answers: [{ type: "NS", name: ".", data: "ns.test" } as Answer],
    });
    expect(pointOwnersAtQuestion(root)).toBe(root);
    const cut = once.subarray(0, once.length - 3);
    expect(pointOwnersAtQuestion(cut)).toBe(cut);
  });
});
