import dnsPacket, { type Answer } from "dns-packet";
import { describe, expect, it } from "vitest";
import { encodeAddressQuery, readAddressReply } from "../../../firewall/dns/wire-query.js";

const response = (p: Partial<dnsPacket.Packet>) =>
  dnsPacket.encode({
    id: 7,
    type: "response",
    flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE,
    questions: [{ name: "www.example.test", type: "A", class: "IN" }],
    ...p,
  });

/** An SOA authority record; only its name, TTL and minimum matter to the reader. */
const soa = (name: string, ttl: number, minimum: number) =>
  ({
    name,
    type: "SOA",
    ttl,
    class: "IN",
    data: { mname: "ns.test", rname: "h.test", serial: 1, refresh: 1, retry: 1, expire: 1, minimum },
  }) as Answer;

describe("encodeAddressQuery", () => {
  it("is the query dns-packet reads back: one question, RD, the id", () => {
    expect(dnsPacket.decode(encodeAddressQuery(4242, "www.Example.test", "AAAA"))).toMatchObject({
      id: 4242,
      type: "query",
      flags: dnsPacket.RECURSION_DESIRED,
      questions: [{ name: "www.Example.test", type: "AAAA", class: "IN" }],
      answers: [],
      additionals: [],
    });
  });
  it("refuses a name no DNS query can carry", () => {
    expect(() => encodeAddressQuery(1, `${"a".repeat(64)}.test`, "A")).toThrow(/not a valid DNS name/);
    expect(() => encodeAddressQuery(1, "a..test", "A")).toThrow(/not a valid DNS name/);
  });
});

describe("readAddressReply", () => {
  it("reads whole 16- and 32-bit fields: an id past 2^15, TTLs and the SOA's minimum past 2^31", () => {
    const buf = response({
      id: 0xfedc,
      answers: [
        { name: "www.example.test", type: "A", ttl: 0x80000001, class: "IN", data: "198.51.100.1" },
      ] as Answer[],
      authorities: [soa("example.test", 0xffffffff, 0xfffffffe)],
    });
    expect(readAddressReply(buf, 0xfedc, "www.example.test", "A")).toEqual({
      rcode: "NOERROR",
      truncated: false,
      answers: [{ name: "www.example.test", type: "A", ttl: 2147483649, data: "198.51.100.1" }],
      authorities: [{ name: "example.test", type: "SOA", ttl: 4294967295, data: { minimum: 4294967294 } }],
    });
    const q = encodeAddressQuery(0xfedc, "www.example.test", "A");
    expect(dnsPacket.decode(q)).toMatchObject({ id: 0xfedc, questions: [{ name: "www.example.test", type: "A" }] });
  });
  it("reads what the resolver uses, as dns-packet would: chains, both families, TTLs, the SOA's minimum", () => {
    const buf = response({
      answers: [
        { name: "www.example.test", type: "CNAME", ttl: 300, class: "IN", data: "edge.cdn.test" },
        { name: "edge.cdn.test", type: "A", ttl: 20, class: "IN", data: "198.51.100.14" },
        { name: "edge.cdn.test", type: "AAAA", ttl: 21, class: "IN", data: "2001:0:0:1::1" },
        { name: "edge.cdn.test", type: "TXT", ttl: 5, class: "IN", data: "x" },
      ] as Answer[],
      authorities: [soa("cdn.test", 60, 15)],
    });
    expect(readAddressReply(buf, 7, "WWW.example.test.", "A")).toEqual({
      rcode: "NOERROR",
      truncated: false,
      answers: [
        { name: "www.example.test", type: "CNAME", ttl: 300, data: "edge.cdn.test" },
        { name: "edge.cdn.test", type: "A", ttl: 20, data: "198.51.100.14" },
        // The same text dns-packet gives (its own zero compression), so addresses compare equal everywhere.
        {
          name: "edge.cdn.test",
          type: "AAAA",
          ttl: 21,
          data: (dnsPacket.decode(buf).answers![2] as { data: unknown }).data,
        },
        { name: "edge.cdn.test", type: "TYPE16", ttl: 5 }, // another type: its number only
      ],
      authorities: [{ name: "cdn.test", type: "SOA", ttl: 60, data: { minimum: 15 } }],
    });
  });

  it("names the rcode, and reads no records of a truncated reply (it is asked again over TCP)", () => {
    expect(readAddressReply(response({ flags: 3 }), 7, "www.example.test", "A")).toMatchObject({ rcode: "NXDOMAIN" });
    expect(readAddressReply(response({ flags: 2 }), 7, "www.example.test", "A")).toMatchObject({ rcode: "SERVFAIL" });
    const cut = response({
      flags: dnsPacket.TRUNCATED_RESPONSE,
      answers: [{ name: "www.example.test", type: "A", ttl: 1, class: "IN", data: "198.51.100.1" }],
    });
    expect(readAddressReply(cut.subarray(0, cut.length - 3), 7, "www.example.test", "A")).toEqual({
      rcode: "NOERROR",
      truncated: true,
      answers: [],
      authorities: [],
    });
  });

  it("says why a datagram is not our reply: another id, a query, another question", () => {
    expect(readAddressReply(response({}), 8, "www.example.test", "A")).toBe("id 7 does not match query id 8");
    expect(readAddressReply(encodeAddressQuery(7, "www.example.test", "A"), 7, "www.example.test", "A")).toBe(
      "not a response",
    );
    expect(readAddressReply(response({}), 7, "other.test", "A")).toBe("question does not match");
    expect(readAddressReply(response({}), 7, "www.example.test", "AAAA")).toBe("question does not match");
  });

  it("throws on malformed packets: short, records running past the end, a compression loop", () => {
    expect(() => readAddressReply(Buffer.alloc(5), 7, "x", "A")).toThrow();
    const full = response({
      answers: [{ name: "www.example.test", type: "A", ttl: 1, class: "IN", data: "198.51.100.1" }],
    });
    expect(() => readAddressReply(full.subarray(0, full.length - 2), 7, "www.example.test", "A")).toThrow(/past/);
    // An answer whose name is a pointer to itself.
    const loop = Buffer.concat([response({}), Buffer.from([0xc0, 0, 0, 1, 0, 1, 0, 0, 0, 1, 0, 4, 1, 2, 3, 4])]);
    loop.writeUInt16BE(1, 6);
    loop.writeUInt16BE(0xc000 | (loop.length - 16), loop.length - 16);
    expect(() => readAddressReply(loop, 7, "www.example.test", "A")).toThrow(/compression/);
  });
});
