// The container's resolv.conf in forwarder mode: processes resolve through the
// forwarder alone. The original file (Docker's: its embedded DNS or the host's
// servers) is kept beside the firewall's state, so a re-run of the bring-up
// still knows the real upstream servers after the file points at the forwarder.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { parseResolvConf } from "../resolv-conf.js";

/** 127.0.0.53: a loopback address of its own, so nothing else already listens there. */
export const FORWARDER_ADDRESS = "127.0.0.53";

/** The resolv.conf text that names the upstream servers: the current one, or the saved original when the current one is already ours. */
export function upstreamResolvConf(current: string, savedFile: string): string {
  const ns = parseResolvConf(current).nameservers;
  if (ns.length === 1 && ns[0] === FORWARDER_ADDRESS && existsSync(savedFile)) return readFileSync(savedFile, "utf8");
  return current;
}

/** resolv.conf pointing at the forwarder, keeping search and options lines. Pure. */
export function forwarderResolvConf(original: string, listen = FORWARDER_ADDRESS): string {
  const kept = original
    .split("\n")
    .filter((l) => /^\s*(search|domain|options)\b/.test(l))
    .map((l) => l.trim());
  return [
    "# cordon: every process resolves through the DNS forwarder (it answers allowed names only).",
    "# The original file is kept in /run/cordon/resolv.conf.upstream.",
    `nameserver ${listen}`,
    ...kept,
    "",
  ].join("\n");
}

/** Points the file at the forwarder (written in place: Docker bind-mounts it), saving the original once. */
export function switchResolvConf(file: string, savedFile: string, listen = FORWARDER_ADDRESS): void {
  const current = readFileSync(file, "utf8");
  const original = upstreamResolvConf(current, savedFile);
  if (original === current) writeFileSync(savedFile, current, { mode: 0o644 });
  writeFileSync(file, forwarderResolvConf(original, listen));
}
