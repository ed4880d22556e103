// Agent events -> OTel records and points, asserted whole.
import { describe, expect, it } from "vitest";
import { makeRedactor } from "../../../agent/telemetry/redact.js";
import { newTrackState, promptRecord, recordsFor } from "../../../agent/telemetry/records.js";
import type { AgentEvent } from "../../../agent/session/events.js";

const redact = makeRedactor(["sk-secret-value-1"]);

function replay(events: [number, AgentEvent][]) {
  const st = newTrackState();
  const logs: unknown[] = [];
  const metrics: unknown[] = [];
  for (const [t, e] of events) {
    const r = recordsFor(e, st, t, redact);
    logs.push(...r.logs);
    metrics.push(...r.metrics);
  }
  return { logs, metrics, st };
}

describe("telemetry records", () => {
  it("a turn with one shell call: conversation, request, response, decision, result, denial", () => {
    const { logs, metrics, st } = replay([
      [
        0,
        {
          type: "session.started",
          session_id: "s1",
          model: "m",
          provider: "p",
          sandbox: "workspace-write",
          approval_policy: "on-request",
          approvals_reviewer: "user",
          cwd: "/w",
          resumed: false,
        },
      ],
      [10, { type: "model.request", attempt: 1, status: 200, ok: true, duration_ms: 12.5 }],
      [10, { type: "model.response", duration_ms: 12.5, tool_calls: 1, input_tokens: 10, output_tokens: 3 }],
      [20, { type: "command.proposed", call_id: "c1", command: ["curl", "x"], workdir: "/w", sandbox: "ws" }],
      [
        21,
        { type: "approval.decided", call_id: "c1", decision: "auto", source: "config", reason: "runs in the sandbox" },
      ],
      [
        65,
        {
          type: "command.finished",
          call_id: "c1",
          exit_code: 6,
          timed_out: false,
          output: "key sk-secret-value-1\n",
          denials: ["no network: curl could not resolve"],
        },
      ],
    ]);
    const c = { "conversation.id": "s1" };
    expect(logs).toEqual([
      {
        name: "cordon.conversation_starts",
        attributes: {
          ...c,
          model: "m",
          provider: "p",
          sandbox: "workspace-write",
          approval_policy: "on-request",
          approvals_reviewer: "user",
          resumed: false,
        },
      },
      { name: "cordon.api_request", attributes: { ...c, attempt: 1, status: 200, success: true, duration_ms: 12.5 } },
      {
        name: "cordon.sse_event",
        attributes: {
          ...c,
          kind: "response.completed",
          success: true,
          duration_ms: 12.5,
          tool_calls: 1,
          input_tokens: 10,
          output_tokens: 3,
        },
      },
      {
        name: "cordon.tool_decision",
        attributes: {
          ...c,
          call_id: "c1",
          tool: "shell",
          decision: "approved",
          detail: "auto",
          source: "config",
          reason: "runs in the sandbox",
        },
      },
      {
        name: "cordon.sandbox_denial",
        attributes: {
          ...c,
          call_id: "c1",
          tool: "shell",
          rule: "no network",
          detail: "no network: curl could not resolve",
        },
      },
      {
        name: "cordon.tool_result",
        attributes: {
          ...c,
          call_id: "c1",
          tool: "shell",
          duration_ms: 45,
          success: false,
          exit_code: 6,
          timed_out: false,
          output: "key [REDACTED]\n",
        },
      },
    ]);
    expect(metrics).toEqual([
      { instrument: "cordon.api_request", kind: "counter", value: 1, attributes: { success: true, status: 200 } },
      {
        instrument: "cordon.api_request.duration_ms",
        kind: "histogram",
        value: 12.5,
        attributes: { success: true, status: 200 },
      },
      {
        instrument: "cordon.sse_event",
        kind: "counter",
        value: 1,
        attributes: { kind: "response.completed", success: true },
      },
      {
        instrument: "cordon.sse_event.duration_ms",
        kind: "histogram",
        value: 12.5,
        attributes: { kind: "response.completed", success: true },
      },
      { instrument: "cordon.tool.call", kind: "counter", value: 1, attributes: { tool: "shell", success: false } },
      {
        instrument: "cordon.tool.call.duration_ms",
        kind: "histogram",
        value: 45,
        attributes: { tool: "shell", success: false },
      },
    ]);
    expect(st.calls.size).toBe(0);
  });

  it("a failed request without an answer, a refused MCP call and a user's denial", () => {
    const { logs } = replay([
      [
        0,
        {
          type: "model.request",
          attempt: 2,
          status: null,
          ok: false,
          duration_ms: 3,
          error: "cannot reach: Bearer abcdefghijkl",
        },
      ],
      [1, { type: "mcp.proposed", call_id: "m1", server: "gh", tool: "delete", arguments: "{}", runs: "HTTP" }],
      [
        2,
        { type: "approval.decided", call_id: "m1", decision: "denied", source: "user", reason: "denied by the user" },
      ],
      [3, { type: "mcp.finished", call_id: "m1", ok: false, output: "the user denied this" }],
    ]);
    expect(logs).toEqual([
      {
        name: "cordon.api_request",
        attributes: { attempt: 2, success: false, duration_ms: 3, error: "cannot reach: Bearer [REDACTED]" },
      },
      {
        name: "cordon.tool_decision",
        attributes: {
          call_id: "m1",
          tool: "mcp:gh/delete",
          decision: "denied",
          detail: "denied",
          source: "user",
          reason: "denied by the user",
        },
      },
      {
        name: "cordon.tool_result",
        attributes: {
          call_id: "m1",
          tool: "mcp:gh/delete",
          duration_ms: 2,
          success: false,
          output: "the user denied this",
        },
      },
    ]);
  });

  it("the prompt: its length always, its text only when allowed, redacted", () => {
    const st = newTrackState();
    st.conversationId = "s1";
    expect(promptRecord("use sk-secret-value-1", false, st, redact)).toEqual({
      name: "cordon.user_prompt",
      attributes: { "conversation.id": "s1", prompt_length: 21 },
    });
    expect(promptRecord("use sk-secret-value-1", true, st, redact).attributes.prompt).toBe("use [REDACTED]");
  });
});
