// What the tests of the remembered folder listings (agent/sandbox/folder-listings.ts) share: waiting
// until a folder is old enough to be remembered, and the attacker's move of putting a folder's times
// back after changing it.
import { execFileSync } from "node:child_process";
import type { BigIntStats } from "node:fs";

/** Past the second within which a changed folder is not remembered. */
export const settleFolders = () => new Promise((r) => setTimeout(r, 1100));

/** Sets `dir`'s mtime and atime back to `before`'s, to the nanosecond (its ctime moves to now: it cannot be set). */
export function setTimesBack(dir: string, before: BigIntStats): void {
  const at = (ns: bigint) => `@${ns / 1_000_000_000n}.${String(ns % 1_000_000_000n).padStart(9, "0")}`;
  execFileSync("touch", ["-m", "-d", at(before.mtimeNs), dir]);
  execFileSync("touch", ["-a", "-d", at(before.atimeNs), dir]);
}
