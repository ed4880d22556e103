// The stub resolver against a scripted DNS server on loopback (real UDP and
// TCP sockets): a table of replies, good and hostile, and what comes out.
import dgram from "node:dgram";
import net from "node:net";
import dnsPacket from "dns-packet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryDns, type ResolveResult } from "../../firewall/dns/resolver.js";
import { resolveNames } from "../../firewall/dns/resolve-names.js";
import { parseCidr } from "../../firewall/net-address.js";

type Q = dnsPacket.Packet & { id: number; questions: dnsPacket.Question[] };
type Rec = dnsPacket.Answer;
/** What the server sends for one question: packets (or raw bytes) in order; none = silence. */
type Script = (q: Q, transport: "udp" | "tcp", n: number) => (Buffer | dnsPacket.Packet)[];

const RCODES: Record<string, number> = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 };
const reply = (
  q: Q,
  answers: Rec[],
  extra: Partial<dnsPacket.Packet> & { rcode?: string; flags?: number } = {},
): dnsPacket.Packet => {
  const { rcode, flags, ...rest } = extra;
  // dns-packet encodes the rcode from the low bits of `flags`.
  return {
    type: "response",
    id: q.id,
    flags: dnsPacket.AUTHORITATIVE_ANSWER | (flags ?? 0) | (RCODES[rcode ?? "NOERROR"] ?? 0),
    questions: q.questions,
    answers,
    ...rest,
  } as dnsPacket.Packet;
};
const a = (name: string, data: string, ttl = 60): Rec => ({ type: "A", name, data, ttl, class: "IN" });
const cname = (name: string, data: string, ttl = 60): Rec => ({ type: "CNAME", name, data, ttl, class: "IN" });
const soa = {
  type: "SOA",
  name: "test",
  ttl: 30,
  class: "IN",
  data: { mname: "ns.test", rname: "admin.test", serial: 1, refresh: 60, retry: 30, expire: 600, minimum: 5 },
} as Rec;

const scripts = new Map<string, Script>();
const counts = new Map<string, number>();
let udp: dgram.Socket;
let tcp: net.Server;
let port = 0;

function answer(buf: Buffer, transport: "udp" | "tcp"): Buffer[] {
  const q = dnsPacket.decode(buf) as Q;
  const name = q.questions[0]?.name ?? "";
  const key = `${transport}:${name}`;
  const n = (counts.get(key) ?? 0) + 1;
  counts.set(key, n);
  const script = scripts.get((name.split(".")[0] as string).replace(/\d+$/, ""));
  if (!script) return [dnsPacket.encode(reply(q, [], { rcode: "REFUSED" } as never))];
  return script(q, transport, n).map((p) => (Buffer.isBuffer(p) ? p : dnsPacket.encode(p)));
}

beforeAll(async () => {
  udp = dgram.createSocket("udp4");
  await new Promise<void>((r) => udp.bind(0, "127.0.0.1", r));
  port = udp.address().port;
  udp.on("message", (msg, rinfo) => {
    for (const out of answer(msg, "udp")) udp.send(out, rinfo.port, rinfo.address);
  });
  tcp = net.createServer((s) => {
    s.once("data", (d) => {
      const outs = answer(d.subarray(2), "tcp");
      if (outs.length === 0) return s.destroy();
      const out = outs[0] as Buffer;
      const len = Buffer.alloc(2);
      len.writeUInt16BE(out.length);
      if (outs.length > 1)
        s.end(Buffer.concat([len, out.subarray(0, 5)])); // cut mid-message
      else s.end(Buffer.concat([len, out]));
    });
  });
  await new Promise<void>((r) => tcp.listen(port, "127.0.0.1", r));
});
afterAll(() => {
  udp.close();
  tcp.close();
});

const ask = (name: string, type: "A" | "AAAA" = "A"): Promise<ResolveResult> =>
  queryDns({ server: "127.0.0.1", port, timeoutMs: 150, attempts: 2 }, `${name}.test`, type);

const cases: [string, Script, (r: ResolveResult) => void][] = [
  [
    "plain",
    (q) => [reply(q, [a(`plain.test`, "192.0.2.1", 42), a("plain.test", "192.0.2.2", 40)])],
    (r) =>
      expect(r).toMatchObject({
        status: "ok",
        ttl: 40,
        addresses: [
          { address: "192.0.2.1", ttl: 42 },
          { address: "192.0.2.2", ttl: 40 },
        ],
      }),
  ],
  [
    "wrongid",
    (q) => [
      { ...reply(q, [a("wrongid.test", "198.51.100.66")]), id: (q.id + 1) % 65536 } as dnsPacket.Packet,
      reply(q, [a("wrongid.test", "192.0.2.3")]),
    ],
    (r) => expect(r.addresses.map((x) => x.address)).toEqual(["192.0.2.3"]),
  ],
  [
    "wrongq",
    (q) => [
      {
        ...reply(q, [a("evil.test", "198.51.100.66")]),
        questions: [{ type: "A", name: "evil.test", class: "IN" }],
      } as dnsPacket.Packet,
      reply(q, [a("wrongq.test", "192.0.2.4")]),
    ],
    (r) => expect(r.addresses.map((x) => x.address)).toEqual(["192.0.2.4"]),
  ],
  [
    "garbage",
    (q) => [Buffer.from([1, 2, 3]), Buffer.alloc(40, 0xff), reply(q, [a("garbage.test", "192.0.2.5")])],
    (r) => expect(r).toMatchObject({ status: "ok", addresses: [{ address: "192.0.2.5" }] }),
  ],
  [
    "truncated",
    (q, t) =>
      t === "udp"
        ? [reply(q, [a("truncated.test", "192.0.2.6")], { flags: dnsPacket.TRUNCATED_RESPONSE })]
        : [
            reply(
              q,
              Array.from({ length: 40 }, (_, i) => a("truncated.test", `192.0.2.${100 + i}`, 50)),
            ),
          ],
    (r) => {
      expect(r).toMatchObject({ status: "ok", ttl: 50 });
      expect(r.addresses).toHaveLength(40);
    },
  ],
  [
    "tcpcut",
    (q, t) =>
      t === "udp"
        ? [reply(q, [], { flags: dnsPacket.TRUNCATED_RESPONSE })]
        : [reply(q, [a("tcpcut.test", "192.0.2.7")]), Buffer.alloc(0)],
    (r) => expect(r).toMatchObject({ status: "error", addresses: [] }),
  ],
  [
    "servfail",
    (q) => [reply(q, [], { rcode: "SERVFAIL" } as never)],
    (r) =>
      expect(r).toMatchObject({
        status: "servfail",
        addresses: [],
        error: expect.stringMatching(/SERVFAIL/) as unknown,
      }),
  ],
  [
    "nxdomain",
    (q) => [reply(q, [], { rcode: "NXDOMAIN", authorities: [soa] } as never)],
    (r) =>
      expect(r).toMatchObject({
        status: "nxdomain",
        negativeTtl: 5,
        error: expect.stringMatching(/NXDOMAIN/) as unknown,
      }),
  ],
  [
    "nodata",
    (q) => [reply(q, [], { authorities: [soa] })],
    (r) => expect(r).toMatchObject({ status: "nodata", addresses: [] }),
  ],
  [
    "chain",
    (q) => [
      reply(q, [
        cname("chain.test", "h1.test", 50),
        cname("h1.test", "h2.test", 7),
        cname("h2.test", "h3.test", 40),
        a("h3.test", "192.0.2.8", 60),
      ]),
    ],
    (r) => expect(r).toMatchObject({ status: "ok", ttl: 7, chain: ["chain.test", "h1.test", "h2.test", "h3.test"] }),
  ],
  // Each hop answered by its own query (the server stops at the CNAME).
  [
    "hop",
    (q) => {
      const n = q.questions[0]?.name ?? "";
      const m = /^hop(\d*)\.test$/.exec(n);
      const i = Number(m?.[1] || 0);
      return [reply(q, i < 3 ? [cname(n, `hop${i + 1}.test`, 30 - i)] : [a(n, "192.0.2.9", 30)])];
    },
    (r) =>
      expect(r).toMatchObject({ status: "ok", ttl: 28, chain: ["hop.test", "hop1.test", "hop2.test", "hop3.test"] }),
  ],
  [
    "loop",
    (q) => [reply(q, [cname("loop.test", "loop-b.test"), cname("loop-b.test", "loop.test")])],
    (r) =>
      expect(r).toMatchObject({
        status: "error",
        addresses: [],
        error: expect.stringMatching(/CNAME loop: loop\.test -> loop-b\.test -> loop\.test/) as unknown,
      }),
  ],
  [
    "long",
    (q) => [
      reply(
        q,
        Array.from({ length: 12 }, (_, i) => cname(i === 0 ? "long.test" : `l${i}.test`, `l${i + 1}.test`)),
      ),
    ],
    (r) => expect(r).toMatchObject({ status: "error", error: expect.stringMatching(/longer than 10 hops/) as unknown }),
  ],
  [
    "silent",
    () => [],
    (r) =>
      expect(r).toMatchObject({
        status: "error",
        addresses: [],
        error: expect.stringMatching(/no answer from 127\.0\.0\.1 within 150 ms/) as unknown,
      }),
  ],
  [
    "flaky",
    (q, t, n) => (n === 1 ? [] : [reply(q, [a("flaky.test", "192.0.2.10")])]),
    (r) => expect(r).toMatchObject({ status: "ok", addresses: [{ address: "192.0.2.10" }] }),
  ],
  [
    "mixed",
    (q) => [
      reply(q, [
        a("mixed.test", "192.0.2.11"),
        { type: "TXT", name: "mixed.test", ttl: 1, class: "IN", data: "x" } as Rec,
        a("other.test", "198.51.100.66"),
      ]),
    ],
    (r) => expect(r.addresses.map((x) => x.address)).toEqual(["192.0.2.11"]),
  ],
];

describe("stub resolver against a scripted server", () => {
  it.each(cases)("%s", async (name, script, check) => {
    scripts.set(name, script);
    const r = await ask(name);
    check(r);
  });
  it("sends a random query id each time", async () => {
    const ids: number[] = [];
    scripts.set("ids", (q) => {
      ids.push(q.id);
      return [reply(q, [a("ids.test", "192.0.2.12")])];
    });
    for (let i = 0; i < 8; i++) await ask("ids");
    expect(new Set(ids).size).toBeGreaterThan(6);
  });
});

describe("resolveNames: one batched first pass, then the full way for what it leaves", () => {
  const aaaa = (name: string, data: string, ttl = 60): Rec => ({ type: "AAAA", name, data, ttl, class: "IN" });
  const policy = {
    exemptCidrs: [parseCidr("192.0.2.0/24"), parseCidr("2001:db8::/32")],
    exemptNames: new Set<string>(),
    localSubnets: [],
  };
  const udpAsks = (name: string) => counts.get(`udp:${name}`) ?? 0;

  it("settles plain, in-packet chains, NXDOMAIN and no-data in one datagram per question; asks again only for split chains, truncation, SERVFAIL and silence", async () => {
    const isA = (q: Q) => q.questions[0]?.type === "A";
    scripts.set("fpplain", (q) => [
      reply(q, isA(q) ? [a("fpplain.test", "192.0.2.21", 30)] : [aaaa("fpplain.test", "2001:db8::21", 20)]),
    ]);
    scripts.set("fpchain", (q) => [
      reply(q, isA(q) ? [cname("fpchain.test", "fpchainb.test", 15), a("fpchainb.test", "192.0.2.22", 40)] : [], {
        authorities: [soa],
      } as never),
    ]);
    scripts.set("fpchainb", (q) => [reply(q, [])]);
    // The server gives the CNAME only; its target is asked for on its own.
    scripts.set("fpsplit", (q) => [reply(q, isA(q) ? [cname("fpsplit.test", "fpsplitb.test", 25)] : [])]);
    scripts.set("fpsplitb", (q) => [reply(q, isA(q) ? [a("fpsplitb.test", "192.0.2.23", 50)] : [])]);
    scripts.set("fpnx", (q) => [reply(q, [], { rcode: "NXDOMAIN", authorities: [soa] } as never)]);
    scripts.set("fptrunc", (q, t) =>
      t === "udp" && isA(q)
        ? [reply(q, [], { flags: dnsPacket.TRUNCATED_RESPONSE })]
        : [reply(q, isA(q) ? [a("fptrunc.test", "192.0.2.24", 60)] : [])],
    );
    scripts.set("fpfail", (q) => [reply(q, [], { rcode: "SERVFAIL" } as never)]);
    // Silent to the first question of each type, answers the second.
    const seen = new Set<string>();
    scripts.set("fpslow", (q) => {
      const k = q.questions[0]?.type ?? "";
      if (!seen.has(k)) {
        seen.add(k);
        return [];
      }
      return [reply(q, isA(q) ? [a("fpslow.test", "192.0.2.25", 60)] : [])];
    });
    const names = ["fpplain", "fpchain", "fpsplit", "fpnx", "fptrunc", "fpfail", "fpslow"].map((n) => `${n}.test`);
    const out = await resolveNames(names, ["127.0.0.1"], policy, 64, undefined, { port, timeoutMs: 150 });
    const by = new Map(out.map((r) => [r.name, r]));
    expect(by.get("fpplain.test")).toEqual({
      name: "fpplain.test",
      v4: [{ address: "192.0.2.21", ttl: 30 }],
      v6: [{ address: "2001:db8::21", ttl: 20 }],
      chain: ["fpplain.test"],
      dropped: [],
      problems: [],
    });
    expect(by.get("fpchain.test")).toMatchObject({ v4: [{ address: "192.0.2.22", ttl: 15 }], v6: [], problems: [] });
    expect(by.get("fpchain.test")?.chain).toEqual(["fpchain.test", "fpchainb.test"]);
    expect(by.get("fpsplit.test")).toMatchObject({
      v4: [{ address: "192.0.2.23", ttl: 25 }],
      chain: ["fpsplit.test", "fpsplitb.test"],
      problems: [],
    });
    expect(by.get("fpnx.test")).toMatchObject({ v4: [], v6: [], problems: ["no such name (NXDOMAIN)"] });
    expect(by.get("fptrunc.test")).toMatchObject({ v4: [{ address: "192.0.2.24", ttl: 60 }], problems: [] });
    expect(by.get("fpfail.test")).toMatchObject({ v4: [], problems: ["fpfail.test: server answered SERVFAIL"] });
    expect(by.get("fpslow.test")).toMatchObject({ v4: [{ address: "192.0.2.25", ttl: 60 }], problems: [] });
    expect(by.get("fpslow.test")?.unreachable).toBeUndefined();
    // Datagrams per name over UDP (A and AAAA together): one each where the first pass settles it.
    expect(udpAsks("fpplain.test")).toBe(2);
    expect(udpAsks("fpchain.test")).toBe(2);
    expect(udpAsks("fpnx.test")).toBe(2);
    expect(udpAsks("fpsplit.test")).toBe(3); // the batch's two (AAAA has no data), then A the full way
    expect(udpAsks("fpsplitb.test")).toBe(1); // the CNAME's target, asked on its own
    expect(udpAsks("fptrunc.test")).toBe(3); // A again the full way (then TCP); AAAA settled at once
    expect(udpAsks("fpfail.test")).toBe(2); // SERVFAIL is an answer: with one resolver, not asked again
    expect(udpAsks("fpslow.test")).toBe(4); // silence counts as the first attempt: one more each, not two
  });

  it("marks a name unreachable when nothing answers, within two timeouts per question", async () => {
    scripts.set("fpdead", () => []);
    const t0 = Date.now();
    const [r] = await resolveNames(["fpdead.test"], ["127.0.0.1"], policy, 64, undefined, { port, timeoutMs: 150 });
    expect(r).toMatchObject({ name: "fpdead.test", v4: [], v6: [], unreachable: true });
    expect(r?.problems[0]).toMatch(/no answer from 127\.0\.0\.1 within 150 ms/);
    expect(udpAsks("fpdead.test")).toBe(4);
    expect(Date.now() - t0).toBeLessThan(2000);
  });
});
