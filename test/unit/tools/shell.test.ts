// The shell tool's arguments and output capping.
import { describe, expect, it } from "vitest";
import { capOutput, OUTPUT_CAP, parseShellArgs } from "../../../agent/tools/shell.js";

describe("shell tool arguments and output", () => {
  it("validates argv", () => {
    expect(() => parseShellArgs('{"command":"ls"}')).toThrow(/non-empty array of strings/);
    expect(() => parseShellArgs('{"command":[]}')).toThrow(/non-empty/);
    expect(() => parseShellArgs('{"command":["ls"],"timeout_ms":-1}')).toThrow(/timeout_ms/);
    expect(parseShellArgs('{"command":["ls"],"workdir":"src"}')).toEqual({ command: ["ls"], workdir: "src" });
  });
  it("keeps head and tail when the output is over the cap", () => {
    const big = Buffer.alloc(OUTPUT_CAP * 2, "x");
    big.write("HEAD", 0);
    big.write("TAIL", big.length - 4);
    const r = capOutput([big], big.length);
    expect(r.truncated).toBe(true);
    expect(r.text.startsWith("HEAD")).toBe(true);
    expect(r.text.endsWith("TAIL")).toBe(true);
    expect(r.text).toMatch(/\[\.\.\. 65536 bytes cut \.\.\.\]/);
  });
});
