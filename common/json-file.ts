// Small JSON state files: written atomically (temp + rename, mode 0644, so a
// reader never sees half a file; the temp name is the writer's own, so two
// processes writing one file never share a temp), read as null when missing or unreadable.
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, writevSync } from "node:fs";
import { dirname } from "node:path";

export function writeJsonAtomic(file: string, value: unknown, pretty = false): void {
  writePartsAtomic(file, [Buffer.from(`${pretty ? JSON.stringify(value, null, 2) : JSON.stringify(value)}\n`)]);
}

/**
 * `parts`, in order, as the whole of `file`, atomically. For a file mostly made of a part kept between
 * writes (already encoded): no string of the whole file to build and encode each time.
 */
export function writePartsAtomic(file: string, parts: Buffer[]): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o755 });
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, "w", 0o644);
  try {
    let left = parts.reduce((n, p) => n + p.length, 0);
    // writev may write less than asked: go on from where it stopped.
    let rest = parts;
    while (left > 0) {
      let n = writevSync(fd, rest);
      left -= n;
      const next: Buffer[] = [];
      for (const p of rest) {
        if (n >= p.length) n -= p.length;
        else {
          next.push(n > 0 ? p.subarray(n) : p);
          n = 0;
        }
      }
      rest = next;
    }
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

export function readJsonOrNull<T>(file: string): T | null {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as T;
  } catch {
    return null;
  }
}
