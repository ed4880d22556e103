// Every tool call goes through one sequence: parse the arguments, classify
// (known-safe, dangerous, execpolicy rules), decide (approvals/decide.ts, pure),
// ask when the table says so, choose the permission level, run, and on a
// sandbox failure under on-failure ask whether to run it again outside. The
// runner (processes, the sandbox) comes in through ToolRuntime, so the
// sequence is tested without processes.
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import {
  approvalKey,
  decideApproval,
  permissionLabel,
  type ApprovalPolicy,
  type Decision,
  type Permission,
  type Proposal,
} from "../approvals/approval-table.js";
import { dangerReason } from "../approvals/dangerous.js";
import { knownSafe } from "../approvals/safe-commands.js";
import { commandFacts, shellScript, type ParsedScript } from "../approvals/shell-parse.js";
import { evaluate, type Rule } from "../execpolicy/rules.js";
import type { SandboxPolicy } from "../sandbox/policy.js";
import type { ReviewResult } from "../review/verdict.js";
import type { AgentEvent, ApprovalAnswer, ApprovalRequest } from "../session/events.js";
import { checkPatch, type PatchResult } from "./apply-patch.js";
import { parsePatch, touchedPaths, type PatchOp } from "./patch-parse.js";
import { parseShellArgs, workdirOf, type ShellArgs, type ShellResult } from "./shell.js";
import { isWithin } from "../../common/paths.js";
import type { McpTool } from "../mcp/tool-catalog.js";

/** The effects the orchestrator needs; the real ones run bwrap, tests pass their own. */
export interface ToolRuntime {
  shell(
    args: ShellArgs,
    policy: SandboxPolicy,
    sandboxed: boolean,
    env: Record<string, string>,
    signal: AbortSignal,
    onOutput: (chunk: Buffer) => void,
  ): Promise<ShellResult>;
  patch(ops: PatchOp[], policy: SandboxPolicy, signal: AbortSignal): Promise<PatchResult>;
  /** Parses a shell script (loading the parser on first use); null when it cannot. */
  parseScript(script: string): Promise<ParsedScript | null>;
  /** Whether `name` resolves on PATH to the system's own program, outside every writable root. */
  isSystemProgram(name: string, writableRoots: string[]): boolean;
  /** "Always allow this prefix": persists a rule and returns it. */
  rememberPrefix(prefix: string[]): Rule[];
}

/** The session's MCP servers as the orchestrator uses them (mcp/hub.ts; tests pass their own). */
export interface McpGateway {
  find(qualified: string): McpTool | undefined;
  /** Where a server's tools run, in words. */
  where(server: string): string;
  /** The JSON string the model sees; failures are tool errors, not exceptions. */
  call(t: McpTool, args: Record<string, unknown>, signal: AbortSignal): Promise<string>;
}

export interface ToolContext {
  policy: SandboxPolicy;
  approval: ApprovalPolicy;
  home: string;
  env: Record<string, string>;
  sessionApprovals: Set<string>;
  rules: Rule[];
  runtime: ToolRuntime;
  emit(e: AgentEvent): void;
  ask(req: ApprovalRequest): Promise<ApprovalAnswer>;
  /** approvals_reviewer = "auto_review": requests that need approval go here instead of to the user. */
  reviewer?: (req: ApprovalRequest, signal: AbortSignal) => Promise<ReviewResult>;
  /** MCP servers' tools, when any are configured. */
  mcp?: McpGateway;
  /** Records a non-conversation entry (a review) in the session transcript. */
  log?: (entry: Record<string, unknown>) => void;
}

export class TurnAborted extends Error {}

const NETWORK_HINT =
  'the command needs the network, which this sandbox does not have; if it is really needed, call it again with additional_permissions: {"network": true} and a justification';

/** The policy a call runs under at a permission level. */
export function policyFor(policy: SandboxPolicy, permission: Permission, cwd: string): SandboxPolicy {
  if (permission.kind === "unsandboxed") return { ...policy, cwd, mode: "danger-full-access", network: true };
  if (permission.kind === "sandbox") return { ...policy, cwd };
  return {
    ...policy,
    cwd,
    network: policy.network || permission.network,
    writableRoots: [...new Set([...policy.writableRoots, ...permission.writable])],
  };
}

/** What "exactly this …" refers to in a session approval. */
export function callNoun(tool: ApprovalRequest["tool"]): string {
  return tool === "shell" ? "command" : tool === "apply_patch" ? "patch target" : "MCP tool call (same arguments)";
}

async function resolveDecision(
  ctx: ToolContext,
  d: Decision,
  req: Omit<ApprovalRequest, "reason" | "permission">,
  key: (p: Permission) => string,
  signal: AbortSignal,
  /** How the run is described when not by the sandbox's permission level (an MCP server's own). */
  runs?: string,
): Promise<{ run: boolean; permission: Permission; note: string }> {
  if (d.action === "refuse") {
    ctx.emit({
      type: "approval.decided",
      call_id: req.callId,
      decision: "refused",
      source: d.source,
      reason: d.reason,
    });
    return { run: false, permission: { kind: "sandbox" }, note: `refused by the approval policy: ${d.reason}` };
  }
  if (d.action === "run") {
    ctx.emit({ type: "approval.decided", call_id: req.callId, decision: "auto", source: d.source, reason: d.reason });
    return { run: true, permission: d.permission, note: "" };
  }
  const permission = runs ?? permissionLabel(ctx.policy.mode, d.permission);
  if (ctx.reviewer) {
    // Auto-review: the reviewer answers instead of the user; it can only approve once or deny.
    ctx.emit({ type: "review.started", call_id: req.callId });
    const r = await ctx.reviewer({ ...req, reason: d.reason, permission }, signal);
    const detail = r.verdict ? { risk: r.verdict.risk, user_authorization: r.verdict.user_authorization } : {};
    ctx.emit({ type: "review.finished", call_id: req.callId, status: r.status, ...detail, reason: r.reason });
    ctx.log?.({
      type: "review",
      call_id: req.callId,
      tool: req.tool,
      argv: req.argv,
      workdir: req.workdir,
      permission,
      status: r.status,
      ...detail,
      reason: r.reason,
    });
    if (r.status === "aborted") throw new TurnAborted("interrupted during auto-review");
    if (r.status === "approved") {
      ctx.emit({
        type: "approval.decided",
        call_id: req.callId,
        decision: "approved",
        source: "auto_review",
        reason: r.reason,
      });
      return { run: true, permission: d.permission, note: "" };
    }
    ctx.emit({
      type: "approval.decided",
      call_id: req.callId,
      decision: "denied",
      source: "auto_review",
      reason: r.reason,
    });
    return {
      run: false,
      permission: d.permission,
      note: `${r.reason}. Do not retry it as is; work within the sandbox or explain to the user what you need.`,
    };
  }
  ctx.emit({ type: "approval.requested", call_id: req.callId, reason: d.reason });
  const a = await ctx.ask({ ...req, reason: d.reason, permission });
  switch (a.kind) {
    case "approve":
      ctx.emit({
        type: "approval.decided",
        call_id: req.callId,
        decision: "approved",
        source: "user",
        reason: "approved once by the user",
      });
      return { run: true, permission: d.permission, note: "" };
    case "approve_session":
      ctx.sessionApprovals.add(key(d.permission));
      ctx.emit({
        type: "approval.decided",
        call_id: req.callId,
        decision: "approved_for_session",
        source: "user",
        reason: `approved for this session: exactly this ${callNoun(req.tool)} in ${req.workdir} (${permission})`,
      });
      return { run: true, permission: d.permission, note: "" };
    case "approve_prefix": {
      if (!req.prefix) return { run: true, permission: d.permission, note: "" };
      ctx.rules.push(...ctx.runtime.rememberPrefix(req.prefix));
      ctx.emit({
        type: "approval.decided",
        call_id: req.callId,
        decision: "approved_prefix",
        source: "user",
        reason: `always allowed from now on: commands starting ${JSON.stringify(req.prefix)} (rule written to ~/.cordon/rules/default.rules)`,
      });
      return { run: true, permission: d.permission, note: "" };
    }
    case "deny":
      ctx.emit({
        type: "approval.decided",
        call_id: req.callId,
        decision: "denied",
        source: "user",
        reason: a.feedback ?? "denied by the user",
      });
      return {
        run: false,
        permission: d.permission,
        note: `the user denied this${a.feedback ? `: ${a.feedback}` : ""}. Do not retry it as is.`,
      };
    case "abort":
      ctx.emit({
        type: "approval.decided",
        call_id: req.callId,
        decision: "abort",
        source: "user",
        reason: "the user aborted the turn",
      });
      throw new TurnAborted("aborted by the user at an approval prompt");
  }
}

/** Runs one tool call; returns the output the model sees. Never throws for a failed tool (only TurnAborted). */
export async function runToolCall(
  ctx: ToolContext,
  call: { callId: string; name: string; arguments: string },
  signal: AbortSignal,
): Promise<string> {
  if (call.name === "shell") return shellCall(ctx, call.callId, call.arguments, signal);
  if (call.name === "apply_patch") return patchCall(ctx, call.callId, call.arguments, signal);
  const tool = ctx.mcp?.find(call.name);
  if (tool && ctx.mcp) return mcpCall(ctx, ctx.mcp, tool, call.callId, call.arguments, signal);
  return JSON.stringify({
    error: `unknown tool ${call.name}; the tools are shell, apply_patch${ctx.mcp ? " and the MCP tools listed" : ""}`,
  });
}

function requestedPermission(args: ShellArgs, cwd: string): Permission {
  if (args.with_escalated_permissions) return { kind: "unsandboxed" };
  const extra = args.additional_permissions;
  if (extra && (extra.network || extra.writable_paths?.length)) {
    return {
      kind: "sandbox+",
      network: Boolean(extra.network),
      writable: [...new Set((extra.writable_paths ?? []).map((p) => resolve(cwd, p)))].sort(),
    };
  }
  return { kind: "sandbox" };
}

async function shellCall(ctx: ToolContext, callId: string, rawArgs: string, signal: AbortSignal): Promise<string> {
  let args: ShellArgs;
  try {
    args = parseShellArgs(rawArgs);
  } catch (e) {
    return JSON.stringify({ error: (e as Error).message });
  }
  const { policy } = ctx;
  const workdir = workdirOf(args, policy.cwd);
  // allow_login_shell = false: a login shell (which reads profile files) becomes a plain one, before anything is shown or run.
  if (!policy.allowLoginShell && shellScript(args.command) !== null && /^-(lc|cl)$/.test(args.command[1] as string)) {
    args = { ...args, command: [args.command[0] as string, "-c", args.command[2] as string] };
  }
  const argv = args.command;
  const script = shellScript(argv);
  const facts = commandFacts(argv, script === null ? null : await ctx.runtime.parseScript(script));
  const requested = requestedPermission(args, workdir);
  const willSandbox = requested.kind !== "unsandboxed" && policy.mode !== "danger-full-access";
  const verdict = knownSafe(facts, (name) => ctx.runtime.isSystemProgram(name, policy.writableRoots));
  const danger = dangerReason(facts, script, { cwd: workdir, home: ctx.home, workspaceRoots: policy.writableRoots });
  const ruled = evaluate(ctx.rules, facts.commands.length ? facts.commands : [argv]);
  const key = (p: Permission) => approvalKey("shell", argv, workdir, p);
  const proposal = (p: Permission): Proposal => ({
    tool: "shell",
    safe: verdict.safe && (!verdict.needsSandbox || willSandbox),
    danger,
    rule: ruled.decision ? { decision: ruled.decision, justification: ruled.justification } : null,
    requested: p,
    sessionApproved: ctx.sessionApprovals.has(key(p)),
  });
  const d = decideApproval(ctx.approval, policy.mode, proposal(requested));
  const label = permissionLabel(policy.mode, d.action === "refuse" ? requested : d.permission);
  ctx.emit({
    type: "command.proposed",
    call_id: callId,
    command: argv,
    workdir,
    sandbox: label,
    ...(args.justification ? { justification: args.justification } : {}),
  });
  // "Always allow" is offered for one parsed command only, as its first two words, shown exactly.
  const prefix =
    facts.understood && facts.commands.length === 1 && !facts.notSafe
      ? (facts.commands[0] as string[]).slice(0, 2)
      : null;
  const req = {
    callId,
    tool: "shell" as const,
    argv,
    workdir,
    prefix,
    ...(args.justification ? { justification: args.justification } : {}),
  };
  const r = await resolveDecision(ctx, d, req, key, signal);
  if (!r.run) return JSON.stringify({ exit_code: null, output: "", error: r.note });
  const onOutput = (c: Buffer) => ctx.emit({ type: "command.output", call_id: callId, chunk: c.toString("utf8") });
  const run = (p: Permission) =>
    ctx.runtime.shell(
      args,
      policyFor(policy, p, workdir),
      p.kind !== "unsandboxed" && policy.mode !== "danger-full-access",
      ctx.env,
      signal,
      onOutput,
    );
  let res = await run(r.permission);
  if (signal.aborted) throw new TurnAborted("interrupted while a command ran");
  // on-failure: a failure in the sandbox may be run again outside it, if the user agrees.
  if (ctx.approval === "on-failure" && res.sandboxed && res.exitCode !== 0 && !res.timedOut) {
    const outside: Permission = { kind: "unsandboxed" };
    const again = decideApproval(ctx.approval, policy.mode, proposal(outside));
    const retry = await resolveDecision(
      ctx,
      again.action === "run"
        ? again
        : {
            action: "ask",
            permission: outside,
            source: "config",
            reason: `failed in the sandbox (exit ${res.exitCode}); run it again outside the sandbox?`,
          },
      req,
      key,
      signal,
    );
    if (retry.run) res = await run(outside);
  }
  const denials = res.denials.map((x) => `${x.rule}: ${x.message}`);
  const offline = res.denials.some((x) => x.rule === "no network");
  ctx.emit({
    type: "command.finished",
    call_id: callId,
    exit_code: res.exitCode,
    timed_out: res.timedOut,
    output: res.output,
    denials,
  });
  return JSON.stringify({
    exit_code: res.exitCode,
    ...(res.timedOut ? { timed_out: true } : {}),
    output: res.output,
    ...(res.truncated ? { truncated: true } : {}),
    ...(denials.length
      ? {
          sandbox_denials: denials,
          hint: offline
            ? NETWORK_HINT
            : "the sandbox blocked this; if it is really needed, ask for exactly the permission it lacks (additional_permissions) or run it outside the sandbox (with_escalated_permissions) with a justification",
        }
      : {}),
  });
}

/** What an outside path needs to become writable: the file itself if it exists, else its nearest existing directory. */
function grantFor(path: string): string {
  if (existsSync(path)) return path;
  let d = dirname(path);
  while (!existsSync(d) && dirname(d) !== d) d = dirname(d);
  return d;
}

async function patchCall(ctx: ToolContext, callId: string, rawArgs: string, signal: AbortSignal): Promise<string> {
  let ops: PatchOp[];
  try {
    const patch = (JSON.parse(rawArgs) as { patch?: unknown }).patch;
    if (typeof patch !== "string" || !patch) throw new Error("apply_patch: `patch` must be a non-empty string");
    ops = parsePatch(patch);
  } catch (e) {
    const message = `patch not applied, nothing written: ${(e as Error).message}`;
    ctx.emit({ type: "patch.finished", call_id: callId, ok: false, message });
    return JSON.stringify({ ok: false, error: message });
  }
  const { policy } = ctx;
  const files = touchedPaths(ops);
  const absFiles = [...new Set(files.map((f) => resolve(policy.cwd, f)))].sort();
  let requested: Permission = { kind: "sandbox" };
  let refusal = checkPatch(ops, policy);
  if (refusal && policy.mode === "workspace-write") {
    // Outside the writable roots: ask for exactly those paths, if that is all that stands in the way.
    const outside = absFiles.filter((f) => !policy.writableRoots.some((r) => isWithin(f, r)));
    const writable = [...new Set(outside.map(grantFor))].sort();
    const widened: Permission = { kind: "sandbox+", network: false, writable };
    if (outside.length && checkPatch(ops, policyFor(policy, widened, policy.cwd)) === null) {
      requested = widened;
      refusal = null;
    }
  }
  const label = permissionLabel(policy.mode, requested);
  ctx.emit({ type: "patch.proposed", call_id: callId, files, sandbox: label });
  if (refusal) {
    const message = `patch refused, nothing written: ${refusal}`;
    ctx.emit({ type: "patch.finished", call_id: callId, ok: false, message });
    return JSON.stringify({ ok: false, error: message });
  }
  const key = (p: Permission) => approvalKey("apply_patch", absFiles, policy.cwd, p);
  const d = decideApproval(ctx.approval, policy.mode, {
    tool: "apply_patch",
    safe: false,
    danger: null,
    rule: null,
    requested,
    sessionApproved: ctx.sessionApprovals.has(key(requested)),
  });
  const r = await resolveDecision(
    ctx,
    d,
    { callId, tool: "apply_patch", argv: absFiles, workdir: policy.cwd, prefix: null },
    key,
    signal,
  );
  if (!r.run) {
    ctx.emit({ type: "patch.finished", call_id: callId, ok: false, message: r.note });
    return JSON.stringify({ ok: false, error: r.note });
  }
  const res = await ctx.runtime.patch(ops, policyFor(policy, r.permission, policy.cwd), signal);
  ctx.emit({ type: "patch.finished", call_id: callId, ok: res.ok, message: res.message });
  return JSON.stringify({ ok: res.ok, message: res.message });
}

/** The argv an execpolicy rule sees for an MCP tool: prefix_rule(pattern = ["@mcp", SERVER, TOOL]). */
export function mcpRuleArgv(t: Pick<McpTool, "server" | "tool">): string[] {
  return ["@mcp", t.server, t.tool];
}

async function mcpCall(
  ctx: ToolContext,
  mcp: McpGateway,
  t: McpTool,
  callId: string,
  rawArgs: string,
  signal: AbortSignal,
): Promise<string> {
  let args: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(rawArgs || "{}");
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
      throw new Error("the arguments must be a JSON object");
    args = parsed as Record<string, unknown>;
  } catch (e) {
    return JSON.stringify({ ok: false, error: `${t.qualified}: ${(e as Error).message}` });
  }
  const argsJson = JSON.stringify(args);
  const runs = mcp.where(t.server);
  ctx.emit({ type: "mcp.proposed", call_id: callId, server: t.server, tool: t.tool, arguments: argsJson, runs });
  const ruled = evaluate(ctx.rules, [mcpRuleArgv(t)]);
  const what = [t.server, t.tool, argsJson];
  const key = (p: Permission) => approvalKey("mcp", what, ctx.policy.cwd, p);
  const requested: Permission = { kind: "sandbox" };
  const d = decideApproval(ctx.approval, ctx.policy.mode, {
    tool: "mcp",
    mcp: { readOnly: t.readOnly, destructive: t.destructive },
    safe: false,
    danger: null,
    rule: ruled.decision ? { decision: ruled.decision, justification: ruled.justification } : null,
    requested,
    sessionApproved: ctx.sessionApprovals.has(key(requested)),
  });
  const r = await resolveDecision(
    ctx,
    d,
    { callId, tool: "mcp", argv: what, workdir: ctx.policy.cwd, prefix: null },
    key,
    signal,
    `MCP server ${t.server} (${runs})`,
  );
  if (!r.run) {
    ctx.emit({ type: "mcp.finished", call_id: callId, ok: false, output: r.note });
    return JSON.stringify({ ok: false, error: r.note });
  }
  const out = await mcp.call(t, args, signal);
  if (signal.aborted) throw new TurnAborted("interrupted while an MCP tool ran");
  const parsed = JSON.parse(out) as { ok: boolean; output?: string; error?: string };
  ctx.emit({ type: "mcp.finished", call_id: callId, ok: parsed.ok, output: parsed.output ?? parsed.error ?? "" });
  return out;
}
