// Small JSON state files: written atomically (temp + rename, mode 0644, so a
// reader never sees half a file), read as null when missing or unreadable.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

export function writeJsonAtomic(file: string, value: unknown, pretty = false): void {
  writeTextAtomic(file, `${pretty ? JSON.stringify(value, null, 2) : JSON.stringify(value)}\n`);
}

/** `text` as the whole of `file`, atomically (temp + rename, mode 0644). */
export function writeTextAtomic(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o755 });
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, text, { mode: 0o644 });
  renameSync(tmp, file);
}

export function readJsonOrNull<T>(file: string): T | null {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as T;
  } catch {
    return null;
  }
}
