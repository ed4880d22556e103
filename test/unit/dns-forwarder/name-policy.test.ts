import { describe, expect, it } from "vitest";
import { namePolicy, reverseAddress } from "../../../firewall/dns-forwarder/name-policy.js";

describe("namePolicy", () => {
  const p = namePolicy(["allowed.test", "*.cdn.test"]);
  it.each([
    ["allowed.test", "exact"],
    ["ALLOWED.test.", "exact"],
    ["a.cdn.test", "wildcard"],
    ["x.y.cdn.test", "wildcard"],
    ["cdn.test", null],
    ["evilcdn.test", null],
    ["sub.allowed.test", null],
    ["allowed.test.evil.example", null],
    ["blocked.test", null],
  ])("%s -> %s", (name, verdict) => expect(p.admit(name, 0)).toBe(verdict));

  it("admits a CNAME target until its TTL runs out, and never again after", () => {
    const q = namePolicy(["allowed.test"]);
    q.learnChain("Target.Other.test.", 10_000);
    expect(q.admit("target.other.test", 9_999)).toBe("chain");
    expect(q.chainSize(9_999)).toBe(1);
    expect(q.admit("target.other.test", 10_000)).toBeNull();
    expect(q.chainSize(10_000)).toBe(0);
    // A later, shorter sighting does not cut an earlier, longer one.
    q.learnChain("t.test", 5_000);
    q.learnChain("t.test", 1_000);
    expect(q.admit("t.test", 4_000)).toBe("chain");
  });
});

describe("reverseAddress", () => {
  it.each([
    ["10.100.51.198.in-addr.arpa", "198.51.100.10"],
    ["10.100.51.198.IN-ADDR.ARPA.", "198.51.100.10"],
    ["0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.c.0.0.8.b.d.0.1.0.0.2.ip6.arpa", "2001:db8:cd::10"],
    ["1.2.3.in-addr.arpa", null],
    ["300.1.2.3.in-addr.arpa", null],
    ["example.test", null],
  ])("%s -> %s", (name, address) => expect(reverseAddress(name)).toBe(address));
});
