// Pure parts of the agent: patch parsing and application, patch path policy,
// retry timing, provider resolution, wire-format conversion and parsing.
import { describe, expect, it } from "vitest";
import type { SandboxPolicy } from "../../../agent/sandbox/policy.js";
import { retryableStatus, retryDelayMs } from "../../../agent/model/retry.js";
import { resolveProvider } from "../../../agent/model/providers.js";
import { chatBody, onChatChunk } from "../../../agent/model/wire-chat.js";
import { onResponsesEvent, responsesBody, type WireState } from "../../../agent/model/wire-responses.js";
import { applyHunks, parsePatch, PatchError } from "../../../agent/tools/patch-parse.js";
import { patchPathRefusal } from "../../../agent/tools/patch-policy.js";
import { capOutput, OUTPUT_CAP, parseShellArgs } from "../../../agent/tools/shell.js";

describe("apply_patch format", () => {
  it("parses add, update with move and context, delete", () => {
    const ops = parsePatch("*** Begin Patch\n*** Add File: a.txt\n+one\n+two\n*** Update File: b.ts\n*** Move to: c.ts\n@@ function f\n ctx\n-old\n+new\n*** Delete File: d.txt\n*** End Patch");
    expect(ops).toEqual([
      { kind: "add", path: "a.txt", content: "one\ntwo\n" },
      { kind: "update", path: "b.ts", moveTo: "c.ts", hunks: [{ anchor: "function f", oldLines: ["ctx", "old"], newLines: ["ctx", "new"], changes: [{ kind: " ", text: "ctx" }, { kind: "-", text: "old" }, { kind: "+", text: "new" }] }] },
      { kind: "delete", path: "d.txt" },
    ]);
  });
  it.each([
    ["no begin", "*** Add File: a\n+x\n*** End Patch", /starts with '\*\*\* Begin Patch'/],
    ["no end", "*** Begin Patch\n*** Add File: a\n+x", /ends with '\*\*\* End Patch'/],
    ["bad add line", "*** Begin Patch\n*** Add File: a\nx\n*** End Patch", /line 3: expected '\*\*\* Add File:'/],
    ["bad header", "*** Begin Patch\n*** Rename File: a\n*** End Patch", /line 2: expected/],
    ["bad change line", "*** Begin Patch\n*** Update File: a\n@@\n?x\n*** End Patch", /line 4: a change line starts with/],
    ["empty", "*** Begin Patch\n*** End Patch", /changes nothing/],
  ])("rejects %s", (_, text, msg) => expect(() => parsePatch(text)).toThrow(msg));
  it("applies hunks in order, using the anchor and tolerating trailing whitespace", () => {
    const src = "a\nfunction f() {\n  x = 1;  \n}\nfunction g() {\n  x = 1;\n}\n";
    const out = applyHunks("f.ts", src, [{ anchor: "function g() {", oldLines: ["  x = 1;"], newLines: ["  x = 2;"] }]);
    expect(out).toBe("a\nfunction f() {\n  x = 1;  \n}\nfunction g() {\n  x = 2;\n}\n");
    expect(applyHunks("f", "x\n", [{ anchor: "", oldLines: [], newLines: ["y"] }])).toBe("x\ny\n");
  });
  it("names the hunk whose context is missing", () => {
    expect(() => applyHunks("f.ts", "a\nb\n", [{ anchor: "", oldLines: ["a"], newLines: ["A"] }, { anchor: "", oldLines: ["zzz"], newLines: [] }])).toThrow(PatchError);
    expect(() => applyHunks("f.ts", "a\n", [{ anchor: "", oldLines: ["zzz"], newLines: [] }])).toThrow(/f\.ts: hunk 1 does not match/);
  });
});

describe("where a patch may write", () => {
  const p: SandboxPolicy = {
    mode: "workspace-write", cwd: "/w/repo", writableRoots: ["/tmp", "/w/repo"], readOnlyPaths: ["/w/repo/vendor"], denyRead: ["/w/repo/secrets", "/w/repo/**/*.pem"],
    network: false, globScanMaxDepth: 8, allowLoginShell: false, permissionsProfile: null, profile: null,
    protectedNames: [".git", ".agents", ".cordon", ".codex"], hostTrustedPaths: ["/w/repo/.vscode"], privatePaths: ["/home/u/.cordon"],
  };
  it.each([["src/a.ts"], ["/w/repo/b"], ["/tmp/x"], ["./deep/er/f"]])("allows %s", (path) => expect(patchPathRefusal(path, p)).toBeNull());
  it.each([
    ["../x", /outside the writable roots/], ["/etc/passwd", /outside the writable roots/], [".git/config", /inside \.git, which is protected/], ["sub/.git/HEAD", /\.git/],
    [".cordon/config.toml", /\.cordon/], [".agents/x", /\.agents/], [".codex/x", /\.codex/], ["vendor/lib.js", /read-only path/], ["secrets/key", /deny-read/], ["a/b/c.pem", /deny-read/],
    ["/w/repo/../other/x", /outside/],
  ])("refuses %s", (path, why) => expect(patchPathRefusal(path, p)).toMatch(why));
  it("refuses everything in read-only mode and nothing in full access", () => {
    expect(patchPathRefusal("a", { ...p, mode: "read-only" })).toMatch(/read-only/);
    expect(patchPathRefusal("/etc/x", { ...p, mode: "danger-full-access" })).toBeNull();
  });
});

describe("model retries", () => {
  it.each([[429, true], [408, true], [500, true], [503, true], [400, false], [401, false], [404, false]])("status %i retryable: %s", (s, r) => expect(retryableStatus(s)).toBe(r));
  it("honours Retry-After in seconds and as a date, capped at 60 s", () => {
    expect(retryDelayMs(1, "2", 0, () => 0.5)).toBe(2000);
    expect(retryDelayMs(1, new Date(5000).toUTCString(), 0, () => 0.5)).toBe(5000);
    expect(retryDelayMs(1, "600", 0, () => 0.5)).toBe(60_000);
  });
  it("backs off exponentially with jitter otherwise", () => {
    expect([1, 2, 3, 4, 5, 9].map((n) => retryDelayMs(n, null, 0, () => 0.5))).toEqual([500, 1000, 2000, 4000, 8000, 16000]);
    expect(retryDelayMs(1, "soon", 0, () => 0)).toBe(400);
  });
});

describe("providers", () => {
  const cfg = { model_providers: { local: { base_url: "http://127.0.0.1:8080/v1/", wire_api: "chat" as const, http_headers: { "x-a": "b" } } } };
  it("resolves built-ins and custom providers", () => {
    expect(resolveProvider({ ...cfg, model_provider: "local" }, {})).toEqual({ id: "local", baseUrl: "http://127.0.0.1:8080/v1", wireApi: "chat", headers: { "x-a": "b" }, apiKey: null });
    expect(resolveProvider({ model_providers: {} }, { OPENAI_API_KEY: "k" })).toMatchObject({ id: "openai", wireApi: "responses", apiKey: "k" });
    expect(resolveProvider({ model_providers: {}, model_provider: "ollama" }, {})).toMatchObject({ wireApi: "chat", apiKey: null });
  });
  it("names the variable to set and the table to add", () => {
    expect(() => resolveProvider({ model_providers: {} }, {})).toThrow(/set the environment variable OPENAI_API_KEY/);
    expect(() => resolveProvider({ model_providers: {}, model_provider: "nope" }, {})).toThrow(/add \[model_providers\.nope\]/);
  });
});

describe("wire formats", () => {
  const items = [
    { type: "message" as const, role: "user" as const, text: "hi" },
    { type: "message" as const, role: "assistant" as const, text: "let me look" },
    { type: "function_call" as const, callId: "c1", name: "shell", arguments: "{\"command\":[\"ls\"]}" },
    { type: "function_call_output" as const, callId: "c1", output: "{}" },
  ];
  it("builds a Responses request", () => {
    const b = responsesBody("m", "sys", items, []) as { input: { type: string }[]; stream: boolean; instructions: string };
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
    expect(onResponsesEvent(s, undefined, JSON.stringify({ type: "response.output_text.delta", delta: "He" }))).toBe("He");
    onResponsesEvent(s, undefined, JSON.stringify({ type: "response.output_item.done", item: { type: "function_call", call_id: "x", name: "shell", arguments: "{}" } }));
    onResponsesEvent(s, undefined, JSON.stringify({ type: "response.completed" }));
    expect(s).toEqual({ text: "He", calls: [{ callId: "x", name: "shell", arguments: "{}" }], done: true });
    expect(() => onResponsesEvent(s, undefined, JSON.stringify({ type: "response.failed", response: { error: { message: "overloaded" } } }))).toThrow(/failed: overloaded/);
    expect(() => onResponsesEvent(s, "error", JSON.stringify({ message: "bad" }))).toThrow(/reported an error: bad/);
    expect(() => onResponsesEvent(s, undefined, "{not json")).toThrow();
  });
  it("assembles Chat tool calls from pieces", () => {
    const s: WireState = { text: "", calls: [], done: false };
    const parts = new Map<number, { id: string; name: string; args: string }>();
    onChatChunk(s, parts, JSON.stringify({ choices: [{ delta: { tool_calls: [{ index: 0, id: "t", function: { name: "shell", arguments: "{\"com" } }] } }] }));
    onChatChunk(s, parts, JSON.stringify({ choices: [{ delta: { tool_calls: [{ index: 0, function: { arguments: "mand\":[\"ls\"]}" } }] } }] }));
    onChatChunk(s, parts, "[DONE]");
    expect(s.calls).toEqual([{ callId: "t", name: "shell", arguments: "{\"command\":[\"ls\"]}" }]);
    expect(() => onChatChunk(s, parts, JSON.stringify({ error: { message: "oom" } }))).toThrow(/oom/);
  });
});

describe("shell tool arguments and output", () => {
  it("validates argv", () => {
    expect(() => parseShellArgs("{\"command\":\"ls\"}")).toThrow(/non-empty array of strings/);
    expect(() => parseShellArgs("{\"command\":[]}")).toThrow(/non-empty/);
    expect(() => parseShellArgs("{\"command\":[\"ls\"],\"timeout_ms\":-1}")).toThrow(/timeout_ms/);
    expect(parseShellArgs("{\"command\":[\"ls\"],\"workdir\":\"src\"}")).toEqual({ command: ["ls"], workdir: "src" });
  });
  it("keeps head and tail when the output is over the cap", () => {
    const big = Buffer.alloc(OUTPUT_CAP * 2, "x");
    big.write("HEAD", 0);
    big.write("TAIL", big.length - 4);
    const r = capOutput([big], big.length);
    expect(r.truncated).toBe(true);
    expect(r.text.startsWith("HEAD")).toBe(true);
    expect(r.text.endsWith("TAIL")).toBe(true);
    expect(r.text).toMatch(/\[\.\.\. 65536 bytes cut \.\.\.\]/);
  });
});
