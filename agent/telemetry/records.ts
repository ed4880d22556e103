// Agent events as OpenTelemetry log records and metric points: names,
// attributes, redaction and snippets decided here, so the whole mapping is
// unit-tested; otel.ts only hands the results to the SDK. Pure.
import type { AgentEvent } from "../session/events.js";
import { snippet, type Redactor } from "./redact.js";

import type { Attributes, LogOut, MetricOut } from "../../common/otel-records.js";

/** What is remembered between events: the conversation, and each tool call's tool and start. */
export interface TrackState {
  conversationId: string | null;
  calls: Map<string, { tool: string; startedAt: number }>;
}

export function newTrackState(): TrackState {
  return { conversationId: null, calls: new Map() };
}

export const DECISION_OUTCOME: Record<string, "approved" | "denied"> = {
  auto: "approved",
  approved: "approved",
  approved_for_session: "approved",
  approved_prefix: "approved",
  denied: "denied",
  refused: "denied",
  abort: "denied",
};

/** The records and points one event gives; `now` in milliseconds. */
export function recordsFor(
  e: AgentEvent,
  st: TrackState,
  now: number,
  redact: Redactor,
): { logs: LogOut[]; metrics: MetricOut[] } {
  const logs: LogOut[] = [];
  const metrics: MetricOut[] = [];
  const conv = (): Attributes => (st.conversationId ? { "conversation.id": st.conversationId } : {});
  const text = (s: string) => snippet(redact(s));
  const log = (name: string, attributes: Attributes) => logs.push({ name, attributes: { ...conv(), ...attributes } });
  const pair = (base: string, duration: number, attributes: Attributes) => {
    metrics.push({ instrument: base, kind: "counter", value: 1, attributes });
    metrics.push({ instrument: `${base}.duration_ms`, kind: "histogram", value: duration, attributes });
  };
  const started = (callId: string, tool: string) => st.calls.set(callId, { tool, startedAt: now });
  const finished = (callId: string, success: boolean, extra: Attributes, output: string) => {
    const c = st.calls.get(callId);
    st.calls.delete(callId);
    const tool = c?.tool ?? "unknown";
    const duration = c ? now - c.startedAt : 0;
    log("cordon.tool_result", {
      call_id: callId,
      tool,
      duration_ms: duration,
      success,
      ...extra,
      output: text(output),
    });
    pair("cordon.tool.call", duration, { tool, success });
  };
  switch (e.type) {
    case "session.started":
      st.conversationId = e.session_id;
      log("cordon.conversation_starts", {
        model: e.model,
        provider: e.provider,
        sandbox: e.sandbox,
        approval_policy: e.approval_policy,
        approvals_reviewer: e.approvals_reviewer,
        resumed: e.resumed,
      });
      break;
    case "model.request":
      log("cordon.api_request", {
        attempt: e.attempt,
        ...(e.status !== null ? { status: e.status } : {}),
        success: e.ok,
        duration_ms: e.duration_ms,
        ...(e.error ? { error: text(e.error) } : {}),
      });
      pair("cordon.api_request", e.duration_ms, { success: e.ok, ...(e.status !== null ? { status: e.status } : {}) });
      break;
    case "model.response":
      log("cordon.sse_event", {
        kind: "response.completed",
        success: true,
        duration_ms: e.duration_ms,
        tool_calls: e.tool_calls,
        ...(e.input_tokens !== undefined ? { input_tokens: e.input_tokens } : {}),
        ...(e.output_tokens !== undefined ? { output_tokens: e.output_tokens } : {}),
      });
      pair("cordon.sse_event", e.duration_ms, { kind: "response.completed", success: true });
      break;
    case "command.proposed":
      started(e.call_id, "shell");
      break;
    case "patch.proposed":
      started(e.call_id, "apply_patch");
      break;
    case "mcp.proposed":
      started(e.call_id, `mcp:${e.server}/${e.tool}`);
      break;
    case "approval.decided":
      log("cordon.tool_decision", {
        call_id: e.call_id,
        tool: st.calls.get(e.call_id)?.tool ?? "unknown",
        decision: DECISION_OUTCOME[e.decision] ?? "denied",
        detail: e.decision,
        source: e.source,
        reason: text(e.reason),
      });
      break;
    case "command.finished":
      for (const d of e.denials)
        log("cordon.sandbox_denial", {
          call_id: e.call_id,
          tool: "shell",
          rule: text(d.split(":")[0] ?? d),
          detail: text(d),
        });
      finished(
        e.call_id,
        e.exit_code === 0,
        { ...(e.exit_code !== null ? { exit_code: e.exit_code } : {}), timed_out: e.timed_out },
        e.output,
      );
      break;
    case "patch.finished":
      finished(e.call_id, e.ok, {}, e.message);
      break;
    case "mcp.finished":
      finished(e.call_id, e.ok, {}, e.output);
      break;
    case "mcp.elicitation":
      log("cordon.mcp_elicitation", { server: e.server, action: e.action, reason: text(e.reason) });
      break;
    case "turn.failed":
      log("cordon.turn_failed", { error: text(e.error) });
      break;
    default:
      break;
  }
  return { logs, metrics };
}

/** cordon.user_prompt: the length always, the text only when log_user_prompt allows it. */
export function promptRecord(prompt: string, logText: boolean, st: TrackState, redact: Redactor): LogOut {
  return {
    name: "cordon.user_prompt",
    attributes: {
      ...(st.conversationId ? { "conversation.id": st.conversationId } : {}),
      prompt_length: prompt.length,
      ...(logText ? { prompt: snippet(redact(prompt), 4096) } : {}),
    },
  };
}
