// The container's own subnets and the Docker host's address (its default
// gateway), read from the kernel's tables (local-network-parse.ts says how):
// no `ip` processes on the bring-up's or the daemon's start.
import { readFileSync } from "node:fs";
import { localNetwork, type LocalNetwork } from "./local-network-parse.js";

export type { LocalNetwork } from "./local-network-parse.js";

/** A missing table (no IPv6 in this kernel) reads as empty. */
const text = (path: string): string => {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
};

export async function readLocalNetwork(): Promise<LocalNetwork> {
  return localNetwork({
    fibTrie: text("/proc/net/fib_trie"),
    route: text("/proc/net/route"),
    ipv6Route: text("/proc/net/ipv6_route"),
    ifInet6: text("/proc/net/if_inet6"),
  });
}
