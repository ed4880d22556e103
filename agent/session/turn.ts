// One turn: the user's message, then model responses and tool calls until the
// model answers without calling a tool. Each tool call goes through the
// orchestrator (tools/orchestrator.ts), which classifies, decides, asks and
// runs; this loop only talks to the model and records the conversation.
// Effects come in through TurnContext, so tests and both front ends share it.
import { streamResponse, type ModelRequest } from "../model/client.js";

import type { Item, ModelResponse, StreamEvent, ToolSpec } from "../model/items.js";
import type { AgentEvent } from "./events.js";
import type { Provider } from "../model/providers.js";
import type { WebSearchMode } from "../model/wire-responses.js";
import { runToolCall, TurnAborted, type ToolContext } from "../tools/orchestrator.js";

export interface TurnContext extends ToolContext {
  provider: Provider;
  model: string;
  instructions: string;
  tools: ToolSpec[];
  /** The hosted web search offered to the model (Responses providers only). */
  webSearch?: WebSearchMode;
  items: Item[];
  record(item: Item): void;
  /** The model client; injected so the loop is testable without a server. */
  stream?: (req: ModelRequest) => Promise<ModelResponse>;
}

/** A model client event as the turn reports it. */
function modelEvent(e: StreamEvent): AgentEvent {
  switch (e.type) {
    case "text":
      return { type: "agent_message.delta", text: e.delta };
    case "retrying":
      return { type: "model.retrying", attempt: e.attempt, delay_ms: Math.round(e.delayMs), reason: e.reason };
    case "attempt":
      return {
        type: "model.request",
        attempt: e.attempt,
        status: e.status,
        ok: e.ok,
        duration_ms: e.durationMs,
        ...(e.error ? { error: e.error } : {}),
      };
    case "completed":
      return {
        type: "model.response",
        duration_ms: e.durationMs,
        tool_calls: e.calls,
        ...(e.usage ? { input_tokens: e.usage.input_tokens, output_tokens: e.usage.output_tokens } : {}),
      };
  }
}

export type TurnOutcome = "completed" | "aborted" | "failed";
const MAX_MODEL_CALLS = 100;

export async function runTurn(ctx: TurnContext, userText: string, signal: AbortSignal): Promise<TurnOutcome> {
  ctx.emit({ type: "turn.started" });
  ctx.record({ type: "message", role: "user", text: userText });
  const stream = ctx.stream ?? streamResponse;
  try {
    for (let n = 0; n < MAX_MODEL_CALLS; n++) {
      if (signal.aborted) throw new TurnAborted("interrupted");
      const req: ModelRequest = {
        provider: ctx.provider,
        model: ctx.model,
        instructions: ctx.instructions,
        items: ctx.items,
        tools: ctx.tools,
        signal,
        ...(ctx.webSearch ? { webSearch: ctx.webSearch } : {}),
        onEvent: (e) => ctx.emit(modelEvent(e)),
      };
      const res = await stream(req);
      // Only a completed response enters the conversation.
      if (res.text) {
        ctx.record({ type: "message", role: "assistant", text: res.text });
        ctx.emit({ type: "agent_message", text: res.text });
      }
      if (res.calls.length === 0) {
        ctx.emit({ type: "turn.completed" });
        return "completed";
      }
      for (const call of res.calls) {
        ctx.record({ type: "function_call", callId: call.callId, name: call.name, arguments: call.arguments });
        const output = await runToolCall(ctx, call, signal);
        ctx.record({ type: "function_call_output", callId: call.callId, output });
      }
    }
    throw new Error(`the model made ${MAX_MODEL_CALLS} calls in one turn without finishing; stopped`);
  } catch (e) {
    if (e instanceof TurnAborted || signal.aborted) {
      ctx.emit({ type: "turn.aborted", reason: e instanceof TurnAborted ? e.message : "interrupted" });
      return "aborted";
    }
    ctx.emit({ type: "turn.failed", error: (e as Error).message });
    return "failed";
  }
}
