// The lookup for UDP sockets that only ever send to IP literals (the forwarder's replies go to
// the address a query came from; the resolver asks configured servers by address): no resolver is
// asked, and the answer comes at once. Node's default (dns.lookup) answers on the next tick and
// allocates on every send.
import { ipVersion } from "../ip-syntax.js";

export function literalOnly(
  host: string,
  family: unknown,
  callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  const f = ipVersion(host);
  if (f) callback(null, host, f);
  else callback(Object.assign(new Error(`not an IP address: ${host}`), { code: "EINVAL" }), "", 0);
}
