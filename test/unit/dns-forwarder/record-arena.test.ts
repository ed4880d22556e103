import { describe, expect, it } from "vitest";
import { RecordArena } from "../../../firewall/dns-forwarder/record-arena.js";

/** Stores `text` as the record's bytes. */
const put = (a: RecordArena<string>, key: string, text: string) =>
  a.put(key, Buffer.byteLength(text), (buf, at) => buf.write(text, at));
const read = (a: RecordArena<string>, key: string) => {
  const at = a.find(key);
  return at < 0 ? null : a.bytes.toString("utf8", at, at + a.length(at));
};

describe("RecordArena", () => {
  it("finds each key's latest record; a deleted or replaced one is gone", () => {
    const a = new RecordArena<string>(10);
    put(a, "x", "first");
    put(a, "y", "why");
    put(a, "x", "second, longer");
    expect([read(a, "x"), read(a, "y"), read(a, "z")]).toEqual(["second, longer", "why", null]);
    expect(a.delete("y")).toBe(true);
    expect(a.delete("y")).toBe(false);
    expect([read(a, "y"), a.size]).toEqual([null, 1]);
  });

  it("evicts the oldest past its bound; touch makes a record the youngest", () => {
    const a = new RecordArena<string>(2);
    put(a, "a", "1");
    put(a, "b", "2");
    a.touch("a");
    put(a, "c", "3");
    expect([...a.keys()]).toEqual(["a", "c"]);
  });

  it("compacts into a buffer sized for the live records: contents and age order survive, dead bytes are dropped", () => {
    const a = new RecordArena<string>(1000, 256);
    for (let i = 0; i < 200; i++) put(a, `k${i % 20}`, `value ${i} ${"x".repeat(i % 37)}`);
    expect(a.size).toBe(20);
    // The last write of each key, in the order keys were last written.
    expect([...a.keys()].map((k) => [k, read(a, k)])).toEqual(
      Array.from({ length: 20 }, (_, j) => {
        const i = 180 + j;
        return [`k${j}`, `value ${i} ${"x".repeat(i % 37)}`];
      }),
    );
    // 200 records of up to ~50 bytes went through; the buffer holds about the 20 live ones.
    expect(a.bytes.length).toBeLessThan(2048);
  });

  it("grows for records larger than its buffer", () => {
    const a = new RecordArena<string>(10, 16);
    const big = "y".repeat(5000);
    put(a, "big", big);
    put(a, "small", "s");
    expect([read(a, "big"), read(a, "small")]).toEqual([big, "s"]);
  });
});
