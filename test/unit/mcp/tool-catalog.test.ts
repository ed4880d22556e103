import { describe, expect, it } from "vitest";
import { catalog, qualifiedName, toolOffered, toolSpec } from "../../../agent/mcp/tool-catalog.js";

const schema = { type: "object", properties: { q: { type: "string" } } };

describe("MCP tool names", () => {
  it("keeps SERVER__tool when it is already safe", () =>
    expect(qualifiedName("notes", "read_note")).toBe("notes__read_note"));
  it("replaces unsafe characters and keeps different names apart with a hash", () => {
    const a = qualifiedName("gh", "issues.create");
    const b = qualifiedName("gh", "issues/create");
    expect(a).toMatch(/^gh__issues_create_[0-9a-f]{8}$/);
    expect(b).toMatch(/^gh__issues_create_[0-9a-f]{8}$/);
    expect(a).not.toBe(b);
  });
  it("cuts long names to 64 characters", () => {
    const n = qualifiedName("server", "x".repeat(100));
    expect(n).toHaveLength(64);
    expect(n).toMatch(/^[A-Za-z0-9_-]+$/);
  });
});

describe("which tools are offered", () => {
  it("enabled_tools is the list, disabled_tools is taken out", () => {
    expect(toolOffered({ disabled_tools: [] }, "a")).toBe(true);
    expect(toolOffered({ enabled_tools: ["a"], disabled_tools: [] }, "b")).toBe(false);
    expect(toolOffered({ enabled_tools: ["a", "b"], disabled_tools: ["b"] }, "b")).toBe(false);
    expect(toolOffered({ disabled_tools: ["a"] }, "a")).toBe(false);
  });

  it("builds the catalog with annotations read as cordon uses them, and warns about what it leaves out", () => {
    const r = catalog([
      {
        server: "notes",
        config: { enabled_tools: ["read", "del", "plain", "ghost"], disabled_tools: [] },
        tools: [
          { name: "read", description: "Reads", inputSchema: schema, annotations: { readOnlyHint: true } },
          { name: "del", inputSchema: schema, annotations: { destructiveHint: true } },
          { name: "plain", inputSchema: schema },
          { name: "hidden", inputSchema: schema },
        ],
      },
      { server: "notes__del", config: { disabled_tools: [] }, tools: [{ name: "x", inputSchema: schema }] },
      { server: "notes", config: { disabled_tools: [] }, tools: [{ name: "del__x", inputSchema: schema }] },
    ]);
    expect(r.tools).toEqual([
      {
        server: "notes",
        tool: "read",
        qualified: "notes__read",
        description: "Reads",
        inputSchema: schema,
        readOnly: true,
        destructive: false,
      },
      {
        server: "notes",
        tool: "del",
        qualified: "notes__del",
        description: "",
        inputSchema: schema,
        readOnly: false,
        destructive: true,
      },
      {
        server: "notes",
        tool: "plain",
        qualified: "notes__plain",
        description: "",
        inputSchema: schema,
        readOnly: false,
        destructive: false,
      },
      {
        server: "notes__del",
        tool: "x",
        qualified: "notes__del__x",
        description: "",
        inputSchema: schema,
        readOnly: false,
        destructive: false,
      },
    ]);
    expect(r.warnings).toEqual([
      'MCP server notes: tool "del__x" is not offered: its name notes__del__x is taken by notes__del/x',
      'MCP server notes: enabled_tools names "ghost", which the server does not offer',
    ]);
  });

  it("shows the model the server, the tool and its annotation", () => {
    const [t] = catalog([
      { server: "s", config: { disabled_tools: [] }, tools: [{ name: "go", description: "Go.", inputSchema: schema }] },
    ]).tools;
    expect(toolSpec(t as never)).toEqual({
      name: "s__go",
      description: "[MCP server s, tool go; changes things] Go.",
      parameters: schema,
    });
  });
});
