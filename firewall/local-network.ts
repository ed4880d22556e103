// The container's own subnets and the Docker host's address (its default
// gateway), read with iproute2's JSON output.
import { execFile } from "node:child_process";
import { parseCidr, type Cidr } from "./net-address.js";

export interface LocalNetwork {
  subnets: Cidr[];
  /** This container's own global addresses. */
  addresses: string[];
  gateway4?: string;
  gateway6?: string;
}

interface IpAddr {
  addr_info?: { family: string; local: string; prefixlen: number; scope: string }[];
}
interface IpRoute {
  gateway?: string;
}

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
