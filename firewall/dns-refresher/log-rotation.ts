// Keeps the refresher log bounded: past `maxBytes` the log is copied to
// LOG.1 (replacing the previous one) and truncated in place. Truncating, not
// renaming, because the daemon writes through an inherited O_APPEND file
// descriptor, which then simply continues at the new end.
import { copyFileSync, statSync, truncateSync } from "node:fs";

export const LOG_MAX_BYTES = 8 * 1024 * 1024;

/** Rotates when the file is larger than maxBytes; returns whether it did. */
export function rotateIfLarge(file: string, maxBytes = LOG_MAX_BYTES): boolean {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    return false;
  }
  if (size <= maxBytes) return false;
  copyFileSync(file, `${file}.1`);
  truncateSync(file, 0);
  return true;
}
