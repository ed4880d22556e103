import { describe, expect, it } from "vitest";
import {
  defaultGateway4,
  defaultGateway6,
  globalAddresses6,
  localAddresses4,
  localNetwork,
} from "../../../firewall/local-network-parse.js";
import { parseCidr } from "../../../firewall/net-address.js";

const ROUTE = `Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
eth1\t00000000\t0102A8C0\t0003\t0\t0\t200\t00000000\t0\t0\t0
eth0\t00000000\t010012AC\t0003\t0\t0\t100\t00000000\t0\t0\t0
eth0\t000012AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0
docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0
eth0\t000010AC\t00000000\t0001\t0\t0\t0\t0000F0FF\t0\t0\t0
lo\t0000007F\t00000000\t0001\t0\t0\t0\t000000FF\t0\t0\t0
eth2\t00000000\t0100000A\t0002\t0\t0\t1\t00000000\t0\t0\t0
`;
const Z = "0".repeat(32);
// Trimmed from a real /proc/net/fib_trie: docker0 (172.17.0.1) has no carrier, 198.51.100.7 has no
// connected route (a /32), loopback is local too.
const FIB_TRIE = `Main:
  +-- 0.0.0.0/0 3 0 4
     |-- 0.0.0.0
        /0 universe UNICAST
     +-- 127.0.0.0/8 2 0 2
        +-- 127.0.0.0/31 1 0 0
           |-- 127.0.0.0
              /8 host LOCAL
           |-- 127.0.0.1
              /32 host LOCAL
     +-- 172.17.0.0/16 2 0 2
           |-- 172.17.0.0
              /16 link UNICAST
           |-- 172.17.0.1
              /32 host LOCAL
           |-- 172.17.255.255
              /32 link BROADCAST
           |-- 172.18.0.5
              /32 host LOCAL
           |-- 198.51.100.7
              /32 host LOCAL
Local:
     |-- 172.17.0.1
        /32 host LOCAL
`;
const V6ROUTE = [
  `20010db800cd00000000000000000000 40 ${Z} 00 ${Z} 00000100 00000001 00000000 00000001 eth0`,
  `${Z} 00 ${Z} 00 fd000000000000000000000000000001 00000400 00000001 00000000 00000003 eth0`,
  `${Z} 00 ${Z} 00 fd000000000000000000000000000009 00000800 00000001 00000000 00000003 eth1`,
  `${Z} 00 ${Z} 00 ${Z} ffffffff 00000001 00000000 00200200 lo`,
  "",
].join("\n");
const IF_INET6 = [
  "00000000000000000000000000000001 01 80 10 80       lo",
  "fe8000000000000000fc00fffe000001 04 40 20 80     eth0",
  "20010db800cd00000000000000000002 04 40 00 80     eth0",
  "fd000000000000000000000000000002 04 40 00 82     eth0",
  "",
].join("\n");

describe("default gateways from the kernel's route tables", () => {
  it("takes the up, gatewayed IPv4 default route with the lowest metric, bytes in host (little-endian) order", () => {
    expect(defaultGateway4(ROUTE)).toBe("172.18.0.1");
  });
  it("takes the IPv6 default with a next hop and the lowest metric; an unreachable default (no next hop) is not one", () => {
    expect(defaultGateway6(V6ROUTE)).toBe("fd00::1");
  });
  it("has none when there is no default route, or the table is empty or malformed", () => {
    expect(defaultGateway4(ROUTE.split("\n").slice(0, 1).join("\n"))).toBeUndefined();
    expect(defaultGateway4("")).toBeUndefined();
    expect(defaultGateway4("Iface\n eth0 00000000 zzzzzzzz 0003 0 0 0 00000000 0 0 0")).toBeUndefined();
    expect(defaultGateway6("")).toBeUndefined();
    expect(defaultGateway6(`${Z} 00 ${Z} 00 nothex 00000400 00000001 00000000 00000003 eth0`)).toBeUndefined();
  });
});

describe("the container's addresses", () => {
  it("keeps global-scope IPv6 addresses only (not loopback, not link-local)", () => {
    expect(globalAddresses6(IF_INET6)).toEqual(["2001:db8:cd::2/64", "fd00::2/64"]);
  });
  it("takes IPv4 addresses from fib_trie's local leaves, an interface without carrier included, loopback not", () => {
    expect(localAddresses4(FIB_TRIE)).toEqual(["172.17.0.1", "172.18.0.5", "198.51.100.7"]);
    expect(localAddresses4("")).toEqual([]);
  });
  it("puts subnets (the narrowest connected route holding each address), addresses and gateways together", () => {
    expect(localNetwork({ fibTrie: FIB_TRIE, route: ROUTE, ipv6Route: V6ROUTE, ifInet6: IF_INET6 })).toEqual({
      subnets: ["172.17.0.1/16", "172.18.0.5/16", "198.51.100.7/32", "2001:db8:cd::2/64", "fd00::2/64"].map(parseCidr),
      addresses: ["172.17.0.1", "172.18.0.5", "198.51.100.7", "2001:db8:cd::2", "fd00::2"],
      gateway4: "172.18.0.1",
      gateway6: "fd00::1",
    });
  });
  it("is empty, with no gateways, where nothing is configured", () => {
    expect(localNetwork({ fibTrie: "", route: "", ipv6Route: "", ifInet6: "" })).toEqual({
      subnets: [],
      addresses: [],
    });
  });
});
