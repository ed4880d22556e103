// Deny-read globs split into a literal base and a pattern.
import { describe, expect, it } from "vitest";
import { splitGlob } from "../../../agent/sandbox/glob-expand.js";

describe("glob split", () => {
  it.each([
    ["/ws/**/*.env", "/ws", "**/*.env"],
    ["/ws/a/*.pem", "/ws/a", "*.pem"],
    ["/ws/{a,b}/x", "/ws", "{a,b}/x"],
  ])("%s", (g, base, rest) => expect(splitGlob(g)).toEqual({ base, rest }));
});
