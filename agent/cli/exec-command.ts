// `cordon exec [PROMPT|-]`: one turn, no terminal needed. Approval requests
// are denied (the model is told why) since nobody can answer them. Exit
// status: 0 the turn completed, 1 it failed, 130 it was interrupted, 2 bad
// usage or configuration.
import { readFileSync } from "node:fs";
import type { AgentEvent } from "../session/events.js";
import { runTurn } from "../session/turn.js";
import {
  friendlyFailure,
  rememberPrompt,
  elicitationHandler,
  sessionStarted,
  setupAgent,
  startMcp,
  startTelemetryFor,
  turnContext,
  type AgentFlags,
} from "./agent-setup.js";
import { humanRenderer } from "./render.js";

export interface ExecOptions extends AgentFlags {
  json?: boolean;
}

export async function execAction(prompt: string | undefined, opts: ExecOptions): Promise<void> {
  const warn = (l: string) => process.stderr.write(`warning: ${l}\n`);
  let text = prompt;
  if (text === undefined || text === "-") {
    if (process.stdin.isTTY && text === undefined) {
      process.stderr.write(
        "cordon exec: give the prompt as an argument, or pipe it in with `-` (cordon exec - < prompt.txt)\n",
      );
      process.exitCode = 2;
      return;
    }
    text = readFileSync(0, "utf8");
  }
  if (!text.trim()) {
    process.stderr.write("cordon exec: the prompt is empty\n");
    process.exitCode = 2;
    return;
  }
  let setup;
  try {
    setup = setupAgent(opts, warn);
  } catch (e) {
    const f = friendlyFailure(e);
    if (!f) throw e;
    process.stderr.write(`cordon exec: ${f.message}\n`);
    process.exitCode = f.code;
    return;
  }
  const render = humanRenderer(process.stderr, true);
  let finalText = "";
  const emit = (e: AgentEvent) => {
    if (opts.json) process.stdout.write(`${JSON.stringify(e)}\n`);
    else render(e);
    if (e.type === "agent_message") finalText = e.text;
  };
  const telemetry = await startTelemetryFor(setup, warn);
  // MCP servers start before the turn; their elicitations are declined, as nobody can answer.
  const mcp = await startMcp(setup, warn);
  const ctx = turnContext(
    setup,
    emit,
    () =>
      Promise.resolve({
        kind: "deny",
        feedback:
          "no one can approve in `cordon exec` (no terminal); the request was denied automatically. Work within the sandbox or stop and explain what approval is needed.",
      }),
    mcp,
    telemetry,
  );
  mcp?.setElicitationHandler(elicitationHandler(ctx, ctx.emit, null));
  ctx.emit(sessionStarted(setup, ctx));
  rememberPrompt(setup, text);
  telemetry?.userPrompt(text);
  const ac = new AbortController();
  process.once("SIGINT", () => ac.abort());
  process.once("SIGTERM", () => ac.abort());
  const outcome = await runTurn(ctx, text, ac.signal);
  await mcp?.close();
  await telemetry?.shutdown();
  if (!opts.json && finalText) process.stdout.write(`${finalText.trimEnd()}\n`);
  process.exitCode = outcome === "completed" ? 0 : outcome === "aborted" ? 130 : 1;
}
