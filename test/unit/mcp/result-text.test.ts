import { describe, expect, it } from "vitest";
import { MAX_RESULT_CHARS, resultForModel } from "../../../agent/mcp/result-text.js";

describe("MCP results for the model", () => {
  it("joins text, notes images and resources, and passes structured content", () => {
    const out = resultForModel({
      content: [
        { type: "text", text: "one" },
        { type: "image", data: Buffer.from("png!").toString("base64"), mimeType: "image/png" },
        { type: "resource_link", uri: "file:///a", name: "a" },
        { type: "resource", resource: { uri: "file:///b", text: "bee" } },
        { type: "resource", resource: { uri: "file:///c", mimeType: "application/zip", blob: "AA==" } },
      ],
      structuredContent: { n: 1 },
    });
    expect(JSON.parse(out)).toEqual({
      ok: true,
      output:
        "one\n[image image/png, 4 bytes: not shown]\n[resource file:///a (a)]\nbee\n[resource file:///c application/zip: binary, not shown]",
      structured: { n: 1 },
    });
  });
  it("marks a tool error as not ok", () =>
    expect(JSON.parse(resultForModel({ content: [{ type: "text", text: "no" }], isError: true }))).toEqual({
      ok: false,
      output: "no",
    }));
  it("cuts long output and says so", () => {
    const r = JSON.parse(resultForModel({ content: [{ type: "text", text: "x".repeat(MAX_RESULT_CHARS + 10) }] }));
    expect(r.output).toHaveLength(MAX_RESULT_CHARS);
    expect(r.truncated).toBe(true);
  });
});
