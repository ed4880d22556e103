// The kernel-table reader against iproute2 on this machine: the same addresses, subnets and
// default gateways `ip -j addr` and `ip -j route show default` report (what bring-up used to run).
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { readLocalNetwork } from "../../firewall/local-network.js";
import { parseCidr } from "../../firewall/net-address.js";

const ip = (...args: string[]) => JSON.parse(execFileSync("ip", ["-j", ...args], { encoding: "utf8" }) || "[]");

describe("readLocalNetwork (procfs)", () => {
  it("agrees with ip -j on this machine's global addresses, subnets and default gateways", async () => {
    const links = ip("addr", "show") as { addr_info?: { local: string; prefixlen: number; scope: string }[] }[];
    const global = links.flatMap((l) => (l.addr_info ?? []).filter((a) => a.scope === "global"));
    const net = await readLocalNetwork();
    expect(global.length).toBeGreaterThan(0);
    expect({
      addresses: [...net.addresses].sort(),
      subnets: net.subnets.map((s) => s.text).sort(),
      gateway4: net.gateway4,
      gateway6: net.gateway6,
    }).toEqual({
      addresses: [...new Set(global.map((a) => a.local))].sort(),
      subnets: [...new Set(global.map((a) => parseCidr(`${a.local}/${a.prefixlen}`).text))].sort(),
      gateway4: (ip("-4", "route", "show", "default") as { gateway?: string }[])[0]?.gateway,
      gateway6: (ip("-6", "route", "show", "default") as { gateway?: string }[])[0]?.gateway,
    });
  });
});
