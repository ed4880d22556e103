// Session files and prompt history on a real filesystem.
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { appendItem, createSession, findSession, readSession, recordPrompt } from "../../agent/session/store.js";

const home = mkdtempSync(join(tmpdir(), "cordon-sessions-"));
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe("session store", () => {
  it("appends items as they happen and reads them back; a torn last line (crash) is dropped", () => {
    const s = createSession(home, {
      cwd: "/w",
      model: "m",
      provider: "p",
      sandbox: "read-only",
      approval: "untrusted",
    });
    const file = s.file as string;
    appendItem(s, { type: "message", role: "user", text: "hello" });
    appendItem(s, { type: "function_call", callId: "c1", name: "shell", arguments: "{}" });
    appendFileSync(file, '{"type":"item","item":{"type":"mess');
    const back = readSession(file);
    expect(back.meta).toMatchObject({
      id: s.meta.id,
      cwd: "/w",
      model: "m",
      sandbox: "read-only",
      approval: "untrusted",
    });
    // The unanswered call is closed so the conversation stays valid for the API.
    expect(back.items).toEqual([
      { type: "message", role: "user", text: "hello" },
      { type: "function_call", callId: "c1", name: "shell", arguments: "{}" },
      { type: "function_call_output", callId: "c1", output: "not run: the session ended before this call finished" },
    ]);
    expect(findSession(home, { id: s.meta.id.slice(0, 6) }).meta.id).toBe(s.meta.id);
    expect(findSession(home, { last: true }).meta.id).toBe(s.meta.id);
  });
  it("says which line is broken in the middle of a file, and when an id matches nothing", () => {
    const s = createSession(home, { cwd: "/w", model: "m", provider: "p" });
    appendFileSync(s.file as string, "garbage\n");
    appendItem(s, { type: "message", role: "user", text: "after" });
    expect(() => readSession(s.file as string)).toThrow(/line 2 is not valid JSON/);
    expect(() => findSession(home, { id: "ffffffff-none" })).toThrow(/no session with id ffffffff-none/);
  });
  it("keeps no transcript when history.persistence = none: the conversation lives in memory", () => {
    const s = createSession(home, { cwd: "/w", model: "m", provider: "p" }, false);
    appendItem(s, { type: "message", role: "user", text: "secret plans" });
    expect(s.file).toBeNull();
    expect(s.items).toHaveLength(1);
    expect(() => findSession(home, { id: s.meta.id })).toThrow(/no session with id/);
  });
  it("keeps prompt history within history.max_bytes, oldest dropped first, and none when persistence = none", () => {
    for (let i = 0; i < 50; i++) recordPrompt(home, "s", `prompt number ${i} ${"x".repeat(40)}`, "save-all", 1024);
    const text = readFileSync(join(home, "history.jsonl"), "utf8");
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(1024);
    expect(text).toContain("prompt number 49");
    expect(text).not.toContain("prompt number 0 ");
    writeFileSync(join(home, "history.jsonl"), "");
    recordPrompt(home, "s", "secret", "none", undefined);
    expect(readFileSync(join(home, "history.jsonl"), "utf8")).toBe("");
  });
});
