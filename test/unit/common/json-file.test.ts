// Atomic state-file writes: the whole file or the old one, never half, mode 0644.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writePartsAtomic } from "../../../common/json-file.js";

const dir = mkdtempSync(join(tmpdir(), "cordon-json-file-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("writePartsAtomic", () => {
  it("writes the parts in order as the whole file, replacing what was there, with no temp file left", () => {
    const file = join(dir, "sub", "status.json");
    writePartsAtomic(file, [Buffer.from("old")]);
    const big = Buffer.alloc(3 * 1024 * 1024, "x"); // past a pipe's or a page's size: writev in pieces
    writePartsAtomic(file, [
      Buffer.from('{"a":'),
      Buffer.from('"'),
      big,
      Buffer.from('"'),
      Buffer.alloc(0),
      Buffer.from("}\n"),
    ]);
    const text = readFileSync(file, "utf8");
    expect({
      length: text.length,
      start: text.slice(0, 6),
      end: text.slice(-4),
      mode: statSync(file).mode & 0o777,
    }).toEqual({
      length: 5 + 1 + big.length + 1 + 2,
      start: '{"a":"',
      end: 'x"}\n',
      mode: 0o644,
    });
    expect(() => statSync(`${file}.${process.pid}.tmp`)).toThrow(/ENOENT/);
  });

  it("writes more parts than one writev takes (the kernel's 1024), in order", () => {
    // The status file's names part: one buffer per name and a comma between.
    const file = join(dir, "many.json");
    const parts = Array.from({ length: 2500 }, (_, i) => Buffer.from(`${i},`));
    writePartsAtomic(file, parts);
    expect(readFileSync(file, "utf8")).toBe(Array.from({ length: 2500 }, (_, i) => `${i},`).join(""));
  });

  it("leaves the old file whole when the new one cannot be written", () => {
    // A directory where the temp file would go: the write fails before any rename.
    const blocked = join(dir, "blocked.json");
    writeFileSync(blocked, "before");
    rmSync(`${blocked}.${process.pid}.tmp`, { force: true });
    mkdirSync(`${blocked}.${process.pid}.tmp`);
    expect(() => writePartsAtomic(blocked, [Buffer.from("after")])).toThrow(/EISDIR/);
    expect(readFileSync(blocked, "utf8")).toBe("before");
  });
});
