// MCP tool calls through the orchestrator with a recording gateway (no
// servers): which calls reach the server, what is asked, what the model gets.
import { describe, expect, it } from "vitest";
import type { ApprovalPolicy } from "../../../agent/approvals/approval-table.js";
import { parseRules } from "../../../agent/execpolicy/rules.js";
import type { McpTool } from "../../../agent/mcp/tool-catalog.js";
import type { SandboxPolicy } from "../../../agent/sandbox/policy.js";
import type { AgentEvent, ApprovalAnswer, ApprovalRequest } from "../../../agent/session/events.js";
import { runToolCall, type ToolContext } from "../../../agent/tools/orchestrator.js";

const tool = (name: string, readOnly: boolean, destructive = false): McpTool => ({
  server: "notes",
  tool: name,
  qualified: `notes__${name}`,
  description: "",
  inputSchema: {},
  readOnly,
  destructive,
});
const TOOLS = [tool("read", true), tool("append", false), tool("wipe", false, true)];

function harness(o: { approval?: ApprovalPolicy; answers?: ApprovalAnswer[]; rules?: string } = {}) {
  const calls: { tool: string; args: Record<string, unknown> }[] = [];
  const asked: ApprovalRequest[] = [];
  const events: AgentEvent[] = [];
  const answers = [...(o.answers ?? [])];
  const ctx: ToolContext = {
    policy: { mode: "workspace-write", cwd: "/w" } as SandboxPolicy,
    approval: o.approval ?? "on-request",
    home: "/h",
    env: {},
    sessionApprovals: new Set(),
    rules: o.rules ? parseRules(o.rules, "t.rules") : [],
    runtime: {} as ToolContext["runtime"],
    emit: (e) => events.push(e),
    ask: async (r) => {
      asked.push(r);
      return answers.shift() ?? { kind: "deny" };
    },
    mcp: {
      find: (q) => TOOLS.find((t) => t.qualified === q),
      where: () => "read-only sandbox, no network",
      call: async (t, args) => {
        calls.push({ tool: t.tool, args });
        return JSON.stringify({ ok: true, output: `did ${t.tool}` });
      },
    },
  };
  const call = (name: string, args: unknown = {}) =>
    runToolCall(ctx, { callId: "c1", name, arguments: JSON.stringify(args) }, new AbortController().signal);
  return { ctx, calls, asked, events, call };
}

describe("MCP calls through the orchestrator", () => {
  it("runs a read-only tool without asking and returns the server's result", async () => {
    const h = harness();
    expect(JSON.parse(await h.call("notes__read", { q: 1 }))).toEqual({ ok: true, output: "did read" });
    expect(h.calls).toEqual([{ tool: "read", args: { q: 1 } }]);
    expect(h.asked).toEqual([]);
    expect(h.events).toEqual([
      {
        type: "mcp.proposed",
        call_id: "c1",
        server: "notes",
        tool: "read",
        arguments: '{"q":1}',
        runs: "read-only sandbox, no network",
      },
      {
        type: "approval.decided",
        call_id: "c1",
        decision: "auto",
        source: "config",
        reason: "the MCP server marks this tool read-only",
      },
      { type: "mcp.finished", call_id: "c1", ok: true, output: "did read" },
    ]);
  });

  it("asks before a side-effecting tool, showing the server, tool and arguments; a denial never reaches the server", async () => {
    const h = harness();
    const out = JSON.parse(await h.call("notes__append", { line: "x" }));
    expect(out.ok).toBe(false);
    expect(out.error).toMatch(/^the user denied this/);
    expect(h.calls).toEqual([]);
    expect(h.asked).toEqual([
      {
        callId: "c1",
        tool: "mcp",
        argv: ["notes", "append", '{"line":"x"}'],
        workdir: "/w",
        prefix: null,
        reason: "the MCP tool may change things (its server does not mark it read-only)",
        permission: "MCP server notes (read-only sandbox, no network)",
      },
    ]);
  });

  it("a session approval covers exactly the same call, never a destructive one", async () => {
    const h = harness({ answers: [{ kind: "approve_session" }, { kind: "deny" }] });
    await h.call("notes__append", { line: "x" });
    await h.call("notes__append", { line: "x" }); // covered: not asked
    await h.call("notes__append", { line: "y" }); // other arguments: asked again, denied
    expect(h.asked.map((r) => r.argv[2])).toEqual(['{"line":"x"}', '{"line":"y"}']);
    expect(h.calls).toEqual([
      { tool: "append", args: { line: "x" } },
      { tool: "append", args: { line: "x" } },
    ]);
    const w = harness({ answers: [{ kind: "approve_session" }] });
    await w.call("notes__wipe");
    await w.call("notes__wipe"); // asked again, denied
    expect(w.asked).toHaveLength(2);
    expect(w.calls).toHaveLength(1);
  });

  it("execpolicy rules over [@mcp, server, tool] allow or forbid by name", async () => {
    const h = harness({
      rules:
        'prefix_rule(pattern = ["@mcp", "notes", "append"], decision = "allow")\nprefix_rule(pattern = ["@mcp", "notes", "read"], decision = "forbidden", justification = "no reading")',
    });
    await h.call("notes__append", { line: "x" });
    const refused = JSON.parse(await h.call("notes__read"));
    expect(h.asked).toEqual([]);
    expect(h.calls).toEqual([{ tool: "append", args: { line: "x" } }]);
    expect(refused).toEqual({
      ok: false,
      error: "refused by the approval policy: forbidden by an execpolicy rule: no reading",
    });
  });

  it("never refuses what would ask; bad arguments and unknown tools are tool errors", async () => {
    const h = harness({ approval: "never" });
    expect(JSON.parse(await h.call("notes__wipe")).ok).toBe(false);
    expect(JSON.parse(await h.call("notes__read")).ok).toBe(true);
    expect(JSON.parse(await h.call("notes__read", [1]))).toEqual({
      ok: false,
      error: "notes__read: the arguments must be a JSON object",
    });
    expect(JSON.parse(await h.call("notes__nope"))).toEqual({
      error: "unknown tool notes__nope; the tools are shell, apply_patch and the MCP tools listed",
    });
    expect(h.calls).toEqual([{ tool: "read", args: {} }]);
  });

  it("with auto-review, the reviewer sees side-effecting calls (never read-only ones) instead of the user", async () => {
    const h = harness();
    const reviewed: ApprovalRequest[] = [];
    h.ctx.reviewer = async (req) => {
      reviewed.push(req);
      return { status: "approved", reason: "low risk" };
    };
    await h.call("notes__read");
    await h.call("notes__append", { line: "x" });
    expect(reviewed.map((r) => [r.tool, r.argv, r.permission])).toEqual([
      ["mcp", ["notes", "append", '{"line":"x"}'], "MCP server notes (read-only sandbox, no network)"],
    ]);
    expect(h.asked).toEqual([]);
    expect(h.calls.map((c) => c.tool)).toEqual(["read", "append"]);
  });
});
