// The OpenAI Responses API: request body from items, SSE events to a
// response. Pure.
import type { Item, ModelResponse, ToolSpec } from "./items.js";

/** web_search: "cached" searches without live access to the web; "live" with it; "disabled" offers no search tool. */
export type WebSearchMode = "disabled" | "cached" | "live";

/** The provider's hosted web search tool, as the Responses API takes it. */
export function webSearchTool(mode: WebSearchMode): Record<string, unknown> | null {
  if (mode === "disabled") return null;
  return mode === "live" ? { type: "web_search" } : { type: "web_search", external_web_access: false };
}

export function responsesBody(
  model: string,
  instructions: string,
  items: Item[],
  tools: ToolSpec[],
  webSearch: WebSearchMode = "disabled",
): unknown {
  const search = webSearchTool(webSearch);
  return {
    model,
    instructions,
    stream: true,
    store: false,
    parallel_tool_calls: false,
    tools: [
      ...tools.map((t) => ({
        type: "function",
        name: t.name,
        description: t.description,
        parameters: t.parameters,
        strict: false,
      })),
      ...(search ? [search] : []),
    ],
    input: items.map((it) => {
      if (it.type === "message")
        return {
          type: "message",
          role: it.role,
          content: [{ type: it.role === "user" ? "input_text" : "output_text", text: it.text }],
        };
      if (it.type === "function_call")
        return { type: "function_call", call_id: it.callId, name: it.name, arguments: it.arguments };
      return { type: "function_call_output", call_id: it.callId, output: it.output };
    }),
  };
}

export interface WireState {
  text: string;
  calls: ModelResponse["calls"];
  done: boolean;
  /** Token counts, when the completion event carries them. */
  usage?: { input_tokens: number; output_tokens: number };
}

/** Applies one SSE event; returns a text delta to show, if any. Throws on a failure event. */
export function onResponsesEvent(state: WireState, event: string | undefined, data: string): string | null {
  const j = JSON.parse(data) as {
    type?: string;
    delta?: string;
    item?: { type?: string; call_id?: string; name?: string; arguments?: string };
    response?: { error?: { message?: string }; usage?: { input_tokens?: unknown; output_tokens?: unknown } };
    message?: string;
    error?: { message?: string };
  };
  const type = j.type ?? event;
  switch (type) {
    case "response.output_text.delta":
      state.text += j.delta ?? "";
      return j.delta ?? null;
    case "response.refusal.delta":
      // The model declined: shown and kept like any answer, so the user sees why.
      state.text += j.delta ?? "";
      return j.delta ?? null;
    case "response.output_item.done":
      if (j.item?.type === "function_call")
        state.calls.push({
          callId: j.item.call_id ?? "",
          name: j.item.name ?? "",
          arguments: j.item.arguments ?? "{}",
        });
      return null;
    case "response.completed": {
      state.done = true;
      const u = j.response?.usage;
      if (u && typeof u.input_tokens === "number" && typeof u.output_tokens === "number")
        state.usage = { input_tokens: u.input_tokens, output_tokens: u.output_tokens };
      return null;
    }
    case "response.failed":
    case "response.incomplete":
      throw new Error(
        `the model's response ${type === "response.failed" ? "failed" : "is incomplete"}: ${j.response?.error?.message ?? "no reason given"}`,
      );
    case "error":
      throw new Error(`the model server reported an error: ${j.message ?? j.error?.message ?? data}`);
    default:
      return null;
  }
}
