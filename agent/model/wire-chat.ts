// Chat Completions (OpenAI-compatible local servers: Ollama, vLLM, LM
// Studio): request body from items, streamed chunks to a response. Pure.
import type { Item, ToolSpec } from "./items.js";
import type { WireState } from "./wire-responses.js";

type ChatMessage =
  | { role: "system" | "user"; content: string }
  | {
      role: "assistant";
      content: string | null;
      tool_calls?: { id: string; type: "function"; function: { name: string; arguments: string } }[];
    }
  | { role: "tool"; tool_call_id: string; content: string };

export function chatBody(model: string, instructions: string, items: Item[], tools: ToolSpec[]): unknown {
  const messages: ChatMessage[] = [{ role: "system", content: instructions }];
  for (const it of items) {
    if (it.type === "message") messages.push({ role: it.role, content: it.text });
    else if (it.type === "function_call") {
      const last = messages[messages.length - 1];
      const call = { id: it.callId, type: "function" as const, function: { name: it.name, arguments: it.arguments } };
      if (last?.role === "assistant") (last.tool_calls ??= []).push(call);
      else messages.push({ role: "assistant", content: null, tool_calls: [call] });
    } else messages.push({ role: "tool", tool_call_id: it.callId, content: it.output });
  }
  return {
    model,
    messages,
    stream: true,
    tools: tools.map((t) => ({
      type: "function",
      function: { name: t.name, description: t.description, parameters: t.parameters },
    })),
  };
}

/** Tool calls arrive in pieces keyed by index; `partial` collects them until the stream ends. */
export function onChatChunk(
  state: WireState,
  partial: Map<number, { id: string; name: string; args: string }>,
  data: string,
): string | null {
  if (data.trim() === "[DONE]") {
    for (const [, c] of [...partial].sort(([a], [b]) => a - b))
      state.calls.push({ callId: c.id, name: c.name, arguments: c.args || "{}" });
    partial.clear();
    state.done = true;
    return null;
  }
  const j = JSON.parse(data) as {
    error?: { message?: string };
    choices?: {
      delta?: {
        content?: string | null;
        tool_calls?: { index?: number; id?: string; function?: { name?: string; arguments?: string } }[];
      };
    }[];
  };
  if (j.error) throw new Error(`the model server reported an error: ${j.error.message ?? data}`);
  const delta = j.choices?.[0]?.delta;
  for (const tc of delta?.tool_calls ?? []) {
    const i = tc.index ?? 0;
    const c = partial.get(i) ?? { id: "", name: "", args: "" };
    if (tc.id) c.id = tc.id;
    if (tc.function?.name) c.name += tc.function.name;
    if (tc.function?.arguments) c.args += tc.function.arguments;
    partial.set(i, c);
  }
  if (delta?.content) {
    state.text += delta.content;
    return delta.content;
  }
  return null;
}
