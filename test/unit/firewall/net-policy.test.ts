import { describe, expect, it } from "vitest";
import { canonicalIp, cidrContains, parseCidr } from "../../../firewall/net-address.js";
import { embeddedIpv4, pinnedAddresses, rebindingReason, type RebindPolicy } from "../../../firewall/rebinding.js";
import { parseResolvConf } from "../../../firewall/resolv-conf.js";
import { parseCidrDocument } from "../../../firewall/cidr-sources.js";

describe("addresses and CIDRs", () => {
  it.each([
    ["2001:DB8:0:0::1", "2001:db8::1"],
    ["::ffff:10.0.0.1", "::ffff:a00:1"],
    ["0:0:0:0:0:0:0:1", "::1"],
    ["fe80:0:0:1:0:0:0:1", "fe80:0:0:1::1"],
    ["1:0:0:2:0:0:3:4", "1::2:0:0:3:4"],
    ["1.2.3.4", "1.2.3.4"],
    ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"],
  ])("canonical %s = %s", (a, b) => expect(canonicalIp(a)).toBe(b));
  it("normalises host bits and checks containment per family", () => {
    const c = parseCidr("198.51.100.77/24");
    expect(c.text).toBe("198.51.100.0/24");
    expect(cidrContains(c, "198.51.100.255")).toBe(true);
    expect(cidrContains(c, "198.51.101.0")).toBe(false);
    expect(cidrContains(c, "::ffff:198.51.100.1")).toBe(false);
    expect(parseCidr("2001:db8::1").text).toBe("2001:db8::1/128");
    expect(cidrContains(parseCidr("::/0"), "2001:db8::1")).toBe(true);
  });
  it.each(["10.0.0.0/33", "1.2.3/8", "x/1", "::/129", "10.0.0.0/-1", "10.0.0.0/ 8"])("rejects %s", (t) => {
    expect(() => parseCidr(t)).toThrow(/is not a CIDR/);
  });
});

describe("rebinding filter", () => {
  const p: RebindPolicy = { exemptCidrs: [], exemptNames: new Set(), localSubnets: [parseCidr("172.18.0.0/16")] };
  it.each([
    "10.0.0.1",
    "127.0.0.1",
    "169.254.169.254",
    "172.16.5.4",
    "192.168.1.1",
    "100.64.0.1",
    "0.0.0.0",
    "224.0.0.1",
    "240.0.0.1",
    "255.255.255.255",
    "198.18.0.1",
    "192.0.2.1",
    "198.51.100.1",
    "203.0.113.5",
    "::1",
    "::",
    "fd00::1",
    "fe80::1",
    "ff02::1",
    "2001:db8::1",
    "::ffff:10.0.0.1",
    "64:ff9b::a00:1",
    "2002:a00:1::1",
    "::ffff:127.0.0.1",
    "172.18.0.1",
  ])("refuses %s", (addr) => expect(rebindingReason("x.test", addr, p)).not.toBeNull());
  it.each(["1.1.1.1", "140.82.112.3", "2606:4700::1111", "::ffff:1.1.1.1", "64:ff9b::101:101", "2002:101:101::1"])(
    "allows %s",
    (addr) => expect(rebindingReason("x.test", addr, p)).toBeNull(),
  );
  it("names the range, and honours explicit exemptions by CIDR and by name", () => {
    expect(rebindingReason("x.test", "10.1.2.3", p)).toBe("in the private/reserved range 10.0.0.0/8");
    expect(rebindingReason("x.test", "172.18.0.9", p)).toMatch(/subnet 172\.18\.0\.0\/16/);
    expect(rebindingReason("x.test", "::ffff:10.0.0.1", p)).toMatch(/embeds 10\.0\.0\.1/);
    const ex = { ...p, exemptCidrs: [parseCidr("198.51.100.0/24")], exemptNames: new Set(["intranet.test"]) };
    expect(rebindingReason("x.test", "198.51.100.9", ex)).toBeNull();
    expect(rebindingReason("x.test", "192.0.2.9", ex)).not.toBeNull();
    expect(rebindingReason("intranet.test", "10.0.0.1", ex)).toBeNull();
  });
  it("gives the same verdict from its per-address cache: a name's exemption never leaks to another name, pinned stays pinned", () => {
    const pinnedAt = { ...p, pinned: ["10.9.9.9"], exemptNames: new Set(["intranet.test"]) };
    for (let round = 0; round < 2; round++) {
      expect(rebindingReason("intranet.test", "10.0.0.1", pinnedAt)).toBeNull();
      expect(rebindingReason("x.test", "10.0.0.1", pinnedAt)).toBe("in the private/reserved range 10.0.0.0/8");
      expect(rebindingReason("intranet.test", "10.9.9.9", pinnedAt)).toMatch(/container's own or the Docker host's/);
      expect(rebindingReason("intranet.test", "::ffff:10.9.9.9", pinnedAt)).toMatch(/container's own/);
      expect(rebindingReason("x.test", "nonsense", pinnedAt)).toBe("is not an IP address");
      expect(rebindingReason("intranet.test", "nonsense", pinnedAt)).toBe("is not an IP address");
    }
    // Another policy with the same address: its own verdict, not the first policy's.
    const exempt = { ...p, exemptCidrs: [parseCidr("10.0.0.0/8")] };
    expect(rebindingReason("x.test", "10.0.0.1", exempt)).toBeNull();
    // Past the cache's bound (it starts over) the verdicts stay right.
    for (let i = 0; i < 5000; i++) rebindingReason("x.test", `11.0.${i >> 8}.${i & 255}`, pinnedAt);
    expect(rebindingReason("x.test", "10.0.0.1", pinnedAt)).toBe("in the private/reserved range 10.0.0.0/8");
    expect(rebindingReason("x.test", "11.0.0.1", pinnedAt)).toBeNull();
  });
  it("extracts embedded IPv4 from mapped, NAT64 and 6to4 forms only", () => {
    expect(embeddedIpv4("::ffff:10.0.0.1")).toBe("10.0.0.1");
    expect(embeddedIpv4("64:ff9b::a00:1")).toBe("10.0.0.1");
    expect(embeddedIpv4("2002:a00:1::")).toBe("10.0.0.1");
    expect(embeddedIpv4("2001:db8::1")).toBeNull();
    expect(embeddedIpv4("10.0.0.1")).toBeNull();
  });
});

describe("resolv.conf", () => {
  it("reads nameservers and Docker's upstreams", () => {
    const r = parseResolvConf(
      "# Generated by Docker Engine.\nnameserver 127.0.0.11\nsearch x\noptions ndots:0\n\n# ExtServers: [198.51.100.53 host(192.0.2.1) 2001:db8::53]\n# Overrides: []\n",
    );
    expect(r).toEqual({ nameservers: ["127.0.0.11"], dockerUpstreams: ["198.51.100.53", "2001:db8::53"] });
  });
  it("ignores junk", () => {
    expect(parseResolvConf("nameserver not-an-ip\nnameserver 10.0.0.2 # x\n").nameservers).toEqual(["10.0.0.2"]);
  });
});

describe("CIDR documents", () => {
  it("reads GitHub-meta-shaped JSON at the given keys, and plain lists", () => {
    const meta = JSON.stringify({
      web: ["140.82.112.0/20", "2a0a:a440::/29"],
      api: ["140.82.112.0/20"],
      hooks: ["1.2.3.0/24"],
      verifiable_password_authentication: false,
    });
    expect(parseCidrDocument(meta, ["web", "api"], "meta")).toEqual(["140.82.112.0/20", "2a0a:a440::/29"]);
    expect(parseCidrDocument("# list\n10.0.0.0/8\n\n192.0.2.0/24 # doc\n", undefined, "f")).toEqual([
      "10.0.0.0/8",
      "192.0.2.0/24",
    ]);
  });
  it("fails the whole source on one bad entry or key", () => {
    expect(() => parseCidrDocument('{"web": ["140.82.112.0/20", "evil"]}', ["web"], "meta")).toThrow(
      /meta: "evil" is not a CIDR/,
    );
    expect(() => parseCidrDocument('{"web": "x"}', ["web"], "meta")).toThrow(/key "web" is not a list/);
  });
});

describe("pinned addresses (the container itself and the Docker host)", () => {
  const p: RebindPolicy = {
    exemptCidrs: [parseCidr("198.51.100.0/24"), parseCidr("2001:db8:cd::/64")],
    exemptNames: new Set(["ok.test"]),
    localSubnets: [parseCidr("198.51.100.0/24")],
    pinned: pinnedAddresses({
      subnets: [parseCidr("198.51.100.0/24"), parseCidr("2001:db8:cd::/64")],
      addresses: ["198.51.100.2", "2001:db8:cd::2"],
    }),
  };
  it.each(["198.51.100.1", "198.51.100.2", "2001:db8:cd::1", "2001:db8:cd::2", "::ffff:198.51.100.1"])(
    "refuses %s even inside an exempt range and for an exempt name",
    (addr) => {
      expect(rebindingReason("x.test", addr, p)).toMatch(/own or the Docker host/);
      expect(rebindingReason("ok.test", addr, p)).toMatch(/own or the Docker host/);
    },
  );
  it("still allows the rest of the exempt range", () =>
    expect(rebindingReason("x.test", "198.51.100.10", p)).toBeNull());
  it("adds the default gateways", () =>
    expect(pinnedAddresses({ subnets: [], addresses: [], gateway4: "172.17.0.1", gateway6: "fd00::1" })).toEqual([
      "172.17.0.1",
      "fd00::1",
    ]));
});
