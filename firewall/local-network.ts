// The container's own subnets and the Docker host's address (its default
// gateway), read with iproute2's JSON output.
import { execa } from "execa";
import { parseCidr, type Cidr } from "./net-address.js";

export interface LocalNetwork {
  subnets: Cidr[];
  gateway4?: string;
  gateway6?: string;
}

interface IpAddr { addr_info?: { family: string; local: string; prefixlen: number; scope: string }[] }
interface IpRoute { gateway?: string }

export async function readLocalNetwork(): Promise<LocalNetwork> {
  const ip = async (args: string[]) => {
    const r = await execa("ip", ["-j", ...args], { reject: false });
    return r.exitCode === 0 && r.stdout.trim() ? (JSON.parse(r.stdout) as unknown[]) : [];
  };
  const subnets: Cidr[] = [];
  for (const link of (await ip(["addr", "show"])) as IpAddr[]) {
    for (const a of link.addr_info ?? []) {
      if (a.scope === "global") subnets.push(parseCidr(`${a.local}/${a.prefixlen}`));
    }
  }
  const gw4 = ((await ip(["-4", "route", "show", "default"])) as IpRoute[])[0]?.gateway;
  const gw6 = ((await ip(["-6", "route", "show", "default"])) as IpRoute[])[0]?.gateway;
  return { subnets, ...(gw4 ? { gateway4: gw4 } : {}), ...(gw6 ? { gateway6: gw6 } : {}) };
}
