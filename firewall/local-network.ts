// The container's own subnets and the Docker host's address (its default
// gateway), read with iproute2's JSON output.
import { execFile } from "node:child_process";
import { bigIntToIp, parseCidr, type Cidr } from "./net-address.js";

export interface LocalNetwork {
  subnets: Cidr[];
  /** This container's own global addresses. */
  addresses: string[];
  gateway4?: string;
  gateway6?: string;
}

interface IpAddr { addr_info?: { family: string; local: string; prefixlen: number; scope: string }[] }
interface IpRoute { gateway?: string }

export async function readLocalNetwork(): Promise<LocalNetwork> {
  const ip = (args: string[]) =>
    new Promise<unknown[]>((resolve) => {
      execFile("ip", ["-j", ...args], { timeout: 10_000 }, (err, stdout) => {
        resolve(!err && stdout.trim() ? (JSON.parse(stdout) as unknown[]) : []);
      });
    });
  const subnets: Cidr[] = [];
  const addresses: string[] = [];
  for (const link of (await ip(["addr", "show"])) as IpAddr[]) {
    for (const a of link.addr_info ?? []) {
      if (a.scope !== "global") continue;
      subnets.push(parseCidr(`${a.local}/${a.prefixlen}`));
      addresses.push(a.local);
    }
  }
  const gw4 = ((await ip(["-4", "route", "show", "default"])) as IpRoute[])[0]?.gateway;
  const gw6 = ((await ip(["-6", "route", "show", "default"])) as IpRoute[])[0]?.gateway;
  return { subnets, addresses, ...(gw4 ? { gateway4: gw4 } : {}), ...(gw6 ? { gateway6: gw6 } : {}) };
}

/**
 * Addresses no DNS answer may add: this container's own, its default gateways,
 * and the first address of each of its subnets, which is where Docker puts the
 * host's bridge (also on --internal networks, which have no default route).
 */
export function pinnedAddresses(n: LocalNetwork): string[] {
  const bridges = n.subnets.filter((c) => c.prefix < (c.family === 4 ? 31 : 127)).map((c) => bigIntToIp(c.base + 1n, c.family));
  return [...new Set([...n.addresses, ...bridges, ...(n.gateway4 ? [n.gateway4] : []), ...(n.gateway6 ? [n.gateway6] : [])])];
}
