// Which DNS servers the container uses, from /etc/resolv.conf. Behind Docker's
// embedded DNS (127.0.0.11) the real upstreams are listed in Docker's
// "# ExtServers: [...]" comment; the embedded server sends its upstream
// queries from the container's own network namespace, so those must be
// allowed on port 53 too. Pure.
import { ipFamily } from "./net-address.js";

export interface SystemResolvers {
  /** Where the container's stub resolver sends queries. */
  nameservers: string[];
  /** Upstreams of Docker's embedded DNS, if that is in use. */
  dockerUpstreams: string[];
}

export const DOCKER_EMBEDDED_DNS = "127.0.0.11";

export function parseResolvConf(text: string): SystemResolvers {
  const nameservers: string[] = [];
  const dockerUpstreams: string[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    const ns = /^nameserver\s+(\S+)/.exec(line);
    if (ns?.[1] && ipFamily(ns[1])) nameservers.push(ns[1]);
    const ext = /^#\s*ExtServers:\s*\[(.*)\]/.exec(line);
    if (ext?.[1]) {
      for (const tok of ext[1].split(/[\s,]+/)) {
        // Entries look like "8.8.8.8" or "host(192.0.2.1)" (queried from the host's namespace).
        if (tok.startsWith("host(")) continue;
        if (ipFamily(tok)) dockerUpstreams.push(tok);
      }
    }
  }
  return { nameservers, dockerUpstreams };
}
