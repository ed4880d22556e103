// One turn: the user's message, then model responses and tool calls until the
// model answers without calling a tool. Each call passes the approval policy
// first, then runs in the sandbox (or, approved, outside it). Effects come in
// through TurnContext, so tests and both front ends share this loop.
import { commandPrefix, decide, type ApprovalPolicy, type Decision } from "../approvals/decide.js";
import { dangerReason } from "../approvals/dangerous.js";
import { knownSafe } from "../approvals/safe-commands.js";
import { parseScript, shellScript } from "../approvals/shell-parse.js";
import { streamResponse, type ModelRequest } from "../model/client.js";
import type { Item, ToolSpec } from "../model/items.js";
import type { Provider } from "../model/providers.js";
import type { SandboxPolicy } from "../sandbox/policy.js";
import { applyPatch, checkPatch } from "../tools/apply-patch.js";
import { parsePatch, touchedPaths, type PatchOp } from "../tools/patch-parse.js";
import { parseShellArgs, runShell, workdirOf, type ShellArgs } from "../tools/shell.js";
import type { AgentEvent, ApprovalAnswer, ApprovalRequest } from "./events.js";

export interface TurnContext {
  provider: Provider;
  model: string;
  instructions: string;
  tools: ToolSpec[];
  /** Mutable between turns (/permissions). */
  policy: SandboxPolicy;
  approval: ApprovalPolicy;
  home: string;
  /** The environment commands run with (shell_environment_policy applied; no provider secrets). */
  env: Record<string, string>;
  sessionApprovals: Set<string>;
  items: Item[];
  record(item: Item): void;
  emit(e: AgentEvent): void;
  /** Asks the user; without a terminal, answers deny with the reason. */
  ask(req: ApprovalRequest): Promise<ApprovalAnswer>;
}

export type TurnOutcome = "completed" | "aborted" | "failed";
const MAX_MODEL_CALLS = 100;

class TurnAborted extends Error {}

/** The words an approval prefix is taken from: the first command of a `bash -lc` script, or the argv. */
function leadWords(argv: string[]): string[] {
  const script = shellScript(argv);
  if (script === null) return argv;
  return parseScript(script).commands[0] ?? argv;
}

export async function runTurn(ctx: TurnContext, userText: string, signal: AbortSignal): Promise<TurnOutcome> {
  ctx.emit({ type: "turn.started" });
  ctx.record({ type: "message", role: "user", text: userText });
  try {
    for (let n = 0; n < MAX_MODEL_CALLS; n++) {
      if (signal.aborted) throw new TurnAborted("interrupted");
      const req: ModelRequest = {
        provider: ctx.provider, model: ctx.model, instructions: ctx.instructions, items: ctx.items, tools: ctx.tools, signal,
        onEvent: (e) => ctx.emit(e.type === "text" ? { type: "agent_message.delta", text: e.delta } : { type: "model.retrying", attempt: e.attempt, delay_ms: Math.round(e.delayMs), reason: e.reason }),
      };
      const res = await streamResponse(req);
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
        const output = await runCall(ctx, call, signal);
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

async function resolveDecision(ctx: TurnContext, d: Decision, req: ApprovalRequest): Promise<{ run: boolean; sandboxed: boolean; note: string }> {
  if (d.action === "refuse") {
    ctx.emit({ type: "approval.decided", call_id: req.callId, decision: "refused", reason: d.reason });
    return { run: false, sandboxed: true, note: `refused by the approval policy: ${d.reason}` };
  }
  if (d.action === "run") {
    ctx.emit({ type: "approval.decided", call_id: req.callId, decision: "auto", reason: d.reason });
    return { run: true, sandboxed: d.sandboxed, note: "" };
  }
  ctx.emit({ type: "approval.requested", call_id: req.callId, reason: d.reason });
  const a = await ctx.ask(req);
  switch (a.kind) {
    case "approve":
      ctx.emit({ type: "approval.decided", call_id: req.callId, decision: "approved", reason: "approved once by the user" });
      return { run: true, sandboxed: d.sandboxed, note: "" };
    case "approve_session":
      ctx.sessionApprovals.add(req.prefix);
      ctx.emit({ type: "approval.decided", call_id: req.callId, decision: "approved_for_session", reason: `approved "${req.prefix}" for this session` });
      return { run: true, sandboxed: d.sandboxed, note: "" };
    case "deny":
      ctx.emit({ type: "approval.decided", call_id: req.callId, decision: "denied", reason: a.feedback ?? "denied by the user" });
      return { run: false, sandboxed: true, note: `the user denied this${a.feedback ? `: ${a.feedback}` : ""}. Do not retry it as is.` };
    case "abort":
      ctx.emit({ type: "approval.decided", call_id: req.callId, decision: "abort", reason: "the user aborted the turn" });
      throw new TurnAborted("aborted by the user at an approval prompt");
  }
}

async function runCall(ctx: TurnContext, call: { callId: string; name: string; arguments: string }, signal: AbortSignal): Promise<string> {
  const sandboxName = (sandboxed: boolean) => (sandboxed && ctx.policy.mode !== "danger-full-access" ? ctx.policy.mode : "none (full access)");
  if (call.name === "shell") {
    let args: ShellArgs;
    try {
      args = parseShellArgs(call.arguments);
    } catch (e) {
      return JSON.stringify({ error: (e as Error).message });
    }
    const workdir = workdirOf(args, ctx.policy.cwd);
    const words = leadWords(args.command);
    const prefix = commandPrefix(words);
    const safe = knownSafe(args.command);
    const danger = dangerReason(args.command, { cwd: workdir, home: ctx.home, workspaceRoots: ctx.policy.writableRoots });
    const d = decide(ctx.approval, ctx.policy.mode, { safe: safe.safe, danger, escalate: Boolean(args.with_escalated_permissions), prefixApproved: ctx.sessionApprovals.has(prefix) });
    const willSandbox = d.action === "refuse" ? true : d.sandboxed;
    ctx.emit({ type: "command.proposed", call_id: call.callId, command: args.command, workdir, sandbox: sandboxName(willSandbox), ...(args.justification ? { justification: args.justification } : {}) });
    const what = shellScript(args.command) ?? args.command.join(" ");
    const r = await resolveDecision(ctx, d, { callId: call.callId, what, workdir, sandbox: sandboxName(willSandbox), reason: d.reason, prefix, ...(args.justification ? { justification: args.justification } : {}) });
    if (!r.run) return JSON.stringify({ exit_code: null, output: "", error: r.note });
    let res = await runShell(args, ctx.policy, r.sandboxed, ctx.env, signal);
    if (signal.aborted) throw new TurnAborted("interrupted while a command ran");
    // on-failure: a sandboxed failure may be retried outside the sandbox, if the user agrees.
    if (ctx.approval === "on-failure" && r.sandboxed && res.exitCode !== 0 && ctx.policy.mode !== "danger-full-access") {
      const again = await resolveDecision(ctx, { action: "ask", sandboxed: false, reason: `failed in the sandbox (exit ${res.exitCode}); run it again outside the sandbox?` },
        { callId: call.callId, what, workdir, sandbox: "none (full access)", reason: "retry outside the sandbox", prefix });
      if (again.run) res = await runShell(args, ctx.policy, false, ctx.env, signal);
    }
    const denials = res.denials.map((x) => `${x.rule}: ${x.message}`);
    ctx.emit({ type: "command.finished", call_id: call.callId, exit_code: res.exitCode, timed_out: res.timedOut, output: res.output, denials });
    return JSON.stringify({
      exit_code: res.exitCode, ...(res.timedOut ? { timed_out: true } : {}), output: res.output, ...(res.truncated ? { truncated: true } : {}),
      ...(denials.length ? { sandbox_denials: denials, hint: "the sandbox blocked this; ask to run it with with_escalated_permissions and a justification if it is needed" } : {}),
    });
  }
  if (call.name === "apply_patch") {
    let patch: string;
    try {
      patch = (JSON.parse(call.arguments) as { patch?: unknown; input?: unknown }).patch as string ?? "";
      if (typeof patch !== "string" || !patch) throw new Error("apply_patch: `patch` must be a string");
    } catch (e) {
      return JSON.stringify({ error: (e as Error).message });
    }
    let files: string[] = [];
    let ops: PatchOp[] = [];
    let refusal: string | null = null;
    try {
      ops = parsePatch(patch);
      files = touchedPaths(ops);
      refusal = checkPatch(ops, ctx.policy);
    } catch (e) {
      refusal = (e as Error).message;
    }
    ctx.emit({ type: "patch.proposed", call_id: call.callId, files });
    if (refusal) {
      const message = `patch refused, nothing written: ${refusal}`;
      ctx.emit({ type: "patch.finished", call_id: call.callId, ok: false, message });
      return JSON.stringify({ ok: false, error: message });
    }
    // Writes inside the writable roots: asked under untrusted, automatic otherwise.
    const d: Decision = ctx.approval === "untrusted" && !ctx.sessionApprovals.has("apply_patch")
      ? { action: "ask", sandboxed: true, reason: "approval policy untrusted asks before files change" }
      : { action: "run", sandboxed: true, reason: "inside the writable roots" };
    const r = await resolveDecision(ctx, d, { callId: call.callId, what: `apply_patch ${files.join(", ")}`, workdir: ctx.policy.cwd, sandbox: ctx.policy.mode, reason: d.reason, prefix: "apply_patch" });
    if (!r.run) return JSON.stringify({ ok: false, error: r.note });
    const res = await applyPatch(ops, ctx.policy, signal);
    ctx.emit({ type: "patch.finished", call_id: call.callId, ok: res.ok, message: res.message });
    return JSON.stringify({ ok: res.ok, message: res.message });
  }
  return JSON.stringify({ error: `unknown tool ${call.name}; the tools are shell and apply_patch` });
}
