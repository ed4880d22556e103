// The model client's pure parts: retry timing, provider resolution, both wire formats.
import { describe, expect, it } from "vitest";
import { retryableStatus, retryDelayMs } from "../../../agent/model/retry.js";
import { resolveProvider } from "../../../agent/model/providers.js";
import { chatBody, onChatChunk } from "../../../agent/model/wire-chat.js";
import { onResponsesEvent, responsesBody, type WireState } from "../../../agent/model/wire-responses.js";

describe("model retries", () => {
  it.each([
    [429, true],
    [408, true],
    [500, true],
    [503, true],
    [400, false],
    [401, false],
    [404, false],
  ])("status %i retryable: %s", (s, r) => expect(retryableStatus(s)).toBe(r));
  it("honours Retry-After in seconds and as a date, capped at 60 s", () => {
    expect(retryDelayMs(1, "2", 0, () => 0.5)).toBe(2000);
    expect(retryDelayMs(1, new Date(5000).toUTCString(), 0, () => 0.5)).toBe(5000);
    expect(retryDelayMs(1, "600", 0, () => 0.5)).toBe(60_000);
  });
  it("backs off exponentially with jitter otherwise", () => {
    expect([1, 2, 3, 4, 5, 9].map((n) => retryDelayMs(n, null, 0, () => 0.5))).toEqual([
      500, 1000, 2000, 4000, 8000, 16000,
    ]);
    expect(retryDelayMs(1, "soon", 0, () => 0)).toBe(400);
  });
});

describe("providers", () => {
  const cfg = {
    model_providers: {
      local: { base_url: "http://127.0.0.1:8080/v1/", wire_api: "chat" as const, http_headers: { "x-a": "b" } },
    },
  };
  it("resolves built-ins and custom providers", () => {
    expect(resolveProvider({ ...cfg, model_provider: "local" }, {})).toEqual({
      id: "local",
      baseUrl: "http://127.0.0.1:8080/v1",
      wireApi: "chat",
      headers: { "x-a": "b" },
      apiKey: null,
    });
    expect(resolveProvider({ model_providers: {} }, { OPENAI_API_KEY: "k" })).toMatchObject({
      id: "openai",
      wireApi: "responses",
      apiKey: "k",
    });
    expect(resolveProvider({ model_providers: {}, model_provider: "ollama" }, {})).toMatchObject({
      wireApi: "chat",
      apiKey: null,
    });
  });
  it("names the variable to set and the table to add", () => {
    expect(() => resolveProvider({ model_providers: {} }, {})).toThrow(/set the environment variable OPENAI_API_KEY/);
    expect(() => resolveProvider({ model_providers: {}, model_provider: "nope" }, {})).toThrow(
      /add \[model_providers\.nope\]/,
    );
  });
});

describe("wire formats", () => {
  const items = [
    { type: "message" as const, role: "user" as const, text: "hi" },
    { type: "message" as const, role: "assistant" as const, text: "let me look" },
    { type: "function_call" as const, callId: "c1", name: "shell", arguments: '{"command":["ls"]}' },
    { type: "function_call_output" as const, callId: "c1", output: "{}" },
  ];
  it("builds a Responses request", () => {
    const b = responsesBody("m", "sys", items, []) as {
      input: { type: string }[];
      stream: boolean;
      instructions: string;
    };
    expect(b.stream).toBe(true);
    expect(b.instructions).toBe("sys");
    expect(b.input.map((x) => x.type)).toEqual(["message", "message", "function_call", "function_call_output"]);
  });
  it("folds function calls into the assistant message for Chat", () => {
    const b = chatBody("m", "sys", items, []) as { messages: { role: string; tool_calls?: unknown[] }[] };
    expect(b.messages.map((m) => m.role)).toEqual(["system", "user", "assistant", "tool"]);
    expect(b.messages[2]?.tool_calls).toHaveLength(1);
  });
  it("parses Responses events and throws on failures", () => {
    const s: WireState = { text: "", calls: [], done: false };
    expect(onResponsesEvent(s, undefined, JSON.stringify({ type: "response.output_text.delta", delta: "He" }))).toBe(
      "He",
    );
    onResponsesEvent(
      s,
      undefined,
      JSON.stringify({
        type: "response.output_item.done",
        item: { type: "function_call", call_id: "x", name: "shell", arguments: "{}" },
      }),
    );
    onResponsesEvent(s, undefined, JSON.stringify({ type: "response.completed" }));
    expect(s).toEqual({ text: "He", calls: [{ callId: "x", name: "shell", arguments: "{}" }], done: true });
    expect(() =>
      onResponsesEvent(
        s,
        undefined,
        JSON.stringify({ type: "response.failed", response: { error: { message: "overloaded" } } }),
      ),
    ).toThrow(/failed: overloaded/);
    expect(() => onResponsesEvent(s, "error", JSON.stringify({ message: "bad" }))).toThrow(/reported an error: bad/);
    expect(() => onResponsesEvent(s, undefined, "{not json")).toThrow();
  });
  it("assembles Chat tool calls from pieces", () => {
    const s: WireState = { text: "", calls: [], done: false };
    const parts = new Map<number, { id: string; name: string; args: string }>();
    onChatChunk(
      s,
      parts,
      JSON.stringify({
        choices: [{ delta: { tool_calls: [{ index: 0, id: "t", function: { name: "shell", arguments: '{"com' } }] } }],
      }),
    );
    onChatChunk(
      s,
      parts,
      JSON.stringify({
        choices: [{ delta: { tool_calls: [{ index: 0, function: { arguments: 'mand":["ls"]}' } }] } }],
      }),
    );
    onChatChunk(s, parts, "[DONE]");
    expect(s.calls).toEqual([{ callId: "t", name: "shell", arguments: '{"command":["ls"]}' }]);
    expect(() => onChatChunk(s, parts, JSON.stringify({ error: { message: "oom" } }))).toThrow(/oom/);
  });
});
