// The lookup for UDP sockets that only ever send to IP literals (the forwarder's replies go to
// the address a query came from; the resolver asks configured servers by address): no resolver is
// asked, and the answer comes at once. Node's default (dns.lookup) answers on the next tick and
// allocates on every send.
import { ipVersion } from "../ip-syntax.js";

// The last address checked and its family: the forwarder answers the same few clients and the
// resolver asks the same server, so most sends skip the check (which splits the text).
let lastHost: string | null = null;
let lastFamily: 4 | 6 = 4;

export function literalOnly(
  host: string,
  family: unknown,
  callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  if (host === lastHost) {
    callback(null, host, lastFamily);
    return;
  }
  const f = ipVersion(host);
  if (f) {
    lastHost = host;
    lastFamily = f;
    callback(null, host, f);
  } else callback(Object.assign(new Error(`not an IP address: ${host}`), { code: "EINVAL" }), "", 0);
}
