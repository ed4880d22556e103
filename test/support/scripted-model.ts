// A scripted OpenAI-compatible model server on loopback: each POST takes the
// next step of the script (a streamed Responses or Chat Completions answer, an
// HTTP error, or a stream that breaks off) and is recorded for assertions.
import http from "node:http";
import type { AddressInfo } from "node:net";

export type Step =
  | { sse: string[]; cutAfter?: number }
  | { status: number; headers?: Record<string, string>; body?: string }
  | { hang: true };

export interface ScriptedModel {
  url: string;
  requests: { path: string; body: Record<string, unknown> }[];
  /** Adds steps to the script. */
  push(...steps: Step[]): void;
  /** Drops unused steps and recorded requests. */
  reset(): void;
  close(): Promise<void>;
}

const frame = (event: string | null, data: unknown) =>
  `${event ? `event: ${event}\n` : ""}data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`;

/** Responses API: text (in a few deltas), then optional function calls, then completed. */
export function responses(text: string, calls: { id: string; name: string; args: unknown }[] = []): Step {
  const out = [frame("response.created", { type: "response.created", response: { id: "r1" } })];
  for (const part of text.match(/.{1,7}/gs) ?? [])
    out.push(frame("response.output_text.delta", { type: "response.output_text.delta", delta: part }));
  for (const c of calls) {
    out.push(
      frame("response.output_item.done", {
        type: "response.output_item.done",
        item: { type: "function_call", call_id: c.id, name: c.name, arguments: JSON.stringify(c.args) },
      }),
    );
  }
  out.push(frame("response.completed", { type: "response.completed", response: { id: "r1", status: "completed" } }));
  return { sse: out };
}

export const shellCall = (id: string, command: string[], extra: Record<string, unknown> = {}) =>
  responses("", [{ id, name: "shell", args: { command, ...extra } }]);
export const patchCall = (id: string, patch: string) => responses("", [{ id, name: "apply_patch", args: { patch } }]);

/** Chat Completions: text deltas and one tool call split into pieces, then [DONE]. */
export function chat(text: string, call?: { id: string; name: string; args: unknown }): Step {
  const out: string[] = [];
  for (const part of text.match(/.{1,5}/gs) ?? []) out.push(frame(null, { choices: [{ delta: { content: part } }] }));
  if (call) {
    const args = JSON.stringify(call.args);
    const half = Math.floor(args.length / 2);
    out.push(
      frame(null, {
        choices: [
          {
            delta: {
              tool_calls: [{ index: 0, id: call.id, function: { name: call.name, arguments: args.slice(0, half) } }],
            },
          },
        ],
      }),
    );
    out.push(
      frame(null, { choices: [{ delta: { tool_calls: [{ index: 0, function: { arguments: args.slice(half) } }] } }] }),
    );
  }
  out.push(frame(null, { choices: [{ delta: {}, finish_reason: call ? "tool_calls" : "stop" }] }));
  out.push(frame(null, "[DONE]"));
  return { sse: out };
}

export async function startScriptedModel(initial: Step[] = []): Promise<ScriptedModel> {
  const steps = [...initial];
  const requests: ScriptedModel["requests"] = [];
  const server = http.createServer((req, res) => {
    let raw = "";
    req.on("data", (c: Buffer) => (raw += c.toString("utf8")));
    req.on("end", () => {
      requests.push({ path: req.url ?? "", body: JSON.parse(raw || "{}") as Record<string, unknown> });
      const step = steps.shift();
      if (!step) {
        res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { message: "the scripted model has no more steps" } }));
        return;
      }
      if ("hang" in step) return; // never answers; the client must give up or be interrupted
      if ("status" in step) {
        res.writeHead(step.status, { "content-type": "application/json", ...step.headers });
        res.end(step.body ?? JSON.stringify({ error: { message: `scripted ${step.status}` } }));
        return;
      }
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      const upto = step.cutAfter ?? step.sse.length;
      for (const f of step.sse.slice(0, upto)) res.write(f);
      if (step.cutAfter !== undefined) setTimeout(() => res.socket?.destroy(), 20);
      else res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    push: (...s) => steps.push(...s),
    reset: () => {
      steps.length = 0;
      requests.length = 0;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
