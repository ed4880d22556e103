// The approval table: given what a tool call asks for and how it was
// classified, run it (at which permission level), ask the user, or refuse.
// Pure: classification, rules and session grants are inputs, so the whole
// table policy x classification x rules x grant is unit-tested.
import type { ApprovalPolicy, SandboxMode } from "../config/schema.js";
import type { RuleDecision } from "../execpolicy/rules.js";

export type { ApprovalPolicy } from "../config/schema.js";

/** The permission level a call runs at. */
export type Permission =
  | { kind: "sandbox" }
  /** The turn's sandbox plus exactly these (request_permissions). */
  | { kind: "sandbox+"; network: boolean; writable: string[] }
  | { kind: "unsandboxed" };

export interface Proposal {
  tool: "shell" | "apply_patch" | "mcp";
  /** For an MCP tool: what its server says about it (annotations). */
  mcp?: { readOnly: boolean; destructive: boolean };
  /** Known-safe read-only (for git: only when it will run sandboxed). */
  safe: boolean;
  /** From the dangerous-command rules; null when none applies. */
  danger: string | null;
  /** The strictest execpolicy rule matching any command of the call, or null. */
  rule: { decision: RuleDecision; justification: string | null } | null;
  /** What the call asks to run with. */
  requested: Permission;
  /** The user approved exactly this call (argv or files, workdir, permission) earlier in the session. */
  sessionApproved: boolean;
}

/** What decided a call without asking: the policy and config, an execpolicy rule, or an earlier session approval. */
export type AutoSource = "config" | "rule" | "session";

export type Decision = (
  | { action: "run"; permission: Permission; reason: string }
  | { action: "ask"; permission: Permission; reason: string }
  | { action: "refuse"; reason: string }
) & { source: AutoSource };

type Undecorated =
  | { action: "run"; permission: Permission; reason: string }
  | { action: "ask"; permission: Permission; reason: string }
  | { action: "refuse"; reason: string };

export function policyName(p: ApprovalPolicy): string {
  return typeof p === "string" ? p : "granular";
}

/** How a permission level is shown to the user and recorded with an approval. */
export function permissionLabel(mode: SandboxMode, p: Permission): string {
  if (p.kind === "unsandboxed" || mode === "danger-full-access") return "no sandbox (full access)";
  if (p.kind === "sandbox") return `${mode} sandbox`;
  const extra = [...(p.network ? ["network on"] : []), ...p.writable.map((w) => `${w} writable`)];
  return `${mode} sandbox + ${extra.join(", ")}`;
}

export function decideApproval(policy: ApprovalPolicy, mode: SandboxMode, p: Proposal): Decision {
  const d = decide(policy, mode, p);
  // The reasons are written below, so reading the source back from them stays in this module.
  const source: AutoSource =
    p.rule && /execpolicy rule/.test(d.reason)
      ? "rule"
      : p.sessionApproved && /earlier in this session/.test(d.reason)
        ? "session"
        : "config";
  return { ...d, source };
}

function decide(policy: ApprovalPolicy, mode: SandboxMode, p: Proposal): Undecorated {
  const granular = typeof policy === "object" ? policy.granular : null;
  const fullAccess = mode === "danger-full-access";
  const requested: Permission = fullAccess ? { kind: "unsandboxed" } : p.requested;
  const rule = p.rule;
  const why = (r: NonNullable<Proposal["rule"]>) => (r.justification ? `: ${r.justification}` : "");

  if (rule?.decision === "forbidden")
    return { action: "refuse", reason: `forbidden by an execpolicy rule${why(rule)}` };
  if (p.mcp) return decideMcp(policy, fullAccess, p.mcp, rule, p.sessionApproved, p.requested);
  if (p.danger) {
    // Dangerous forms always ask, whatever was approved before.
    if (policy === "never")
      return { action: "refuse", reason: `${p.danger}; approval policy "never" refuses it without asking` };
    if (granular && !granular.rules)
      return { action: "refuse", reason: `${p.danger}; granular.rules = false rejects it automatically` };
    return { action: "ask", permission: requested, reason: p.danger };
  }
  if (rule?.decision === "prompt") {
    if (policy === "never")
      return {
        action: "refuse",
        reason: `an execpolicy rule asks before this${why(rule)}, and approval policy "never" does not ask`,
      };
    if (granular && !granular.rules)
      return {
        action: "refuse",
        reason: `an execpolicy rule asks before this${why(rule)}; granular.rules = false rejects it automatically`,
      };
    if (p.sessionApproved)
      return { action: "run", permission: requested, reason: "approved earlier in this session (exactly this call)" };
    return { action: "ask", permission: requested, reason: `an execpolicy rule asks before this${why(rule)}` };
  }
  if (requested.kind === "unsandboxed" && !fullAccess) {
    if (rule?.decision === "allow")
      return {
        action: "run",
        permission: requested,
        reason: `allowed outside the sandbox by an execpolicy rule${why(rule)}`,
      };
    if (policy === "never")
      return {
        action: "refuse",
        reason: `running outside the sandbox needs approval, and approval policy "never" does not ask; the command can run inside the ${mode} sandbox`,
      };
    if (granular && !granular.sandbox_approval)
      return {
        action: "refuse",
        reason: "granular.sandbox_approval = false rejects requests to run outside the sandbox",
      };
    if (p.sessionApproved)
      return {
        action: "run",
        permission: requested,
        reason: "approved earlier in this session (exactly this call, outside the sandbox)",
      };
    return { action: "ask", permission: requested, reason: "the model asks to run this outside the sandbox" };
  }
  if (requested.kind === "sandbox+") {
    if (policy === "never")
      return { action: "refuse", reason: `extra permissions need approval, and approval policy "never" does not ask` };
    if (granular && !granular.request_permissions)
      return {
        action: "refuse",
        reason: "granular.request_permissions = false rejects requests for extra permissions",
      };
    if (p.sessionApproved)
      return {
        action: "run",
        permission: requested,
        reason: "approved earlier in this session (exactly this call and these permissions)",
      };
    return { action: "ask", permission: requested, reason: "the model asks for extra permissions for this call" };
  }
  const sandboxed = !fullAccess;
  const where = sandboxed ? `in the ${mode} sandbox` : "with full access (no sandbox)";
  if (policy === "untrusted") {
    if (p.safe) return { action: "run", permission: requested, reason: `known-safe read-only command, ${where}` };
    if (rule?.decision === "allow")
      return { action: "run", permission: requested, reason: `allowed by an execpolicy rule${why(rule)}, ${where}` };
    if (p.sessionApproved)
      return { action: "run", permission: requested, reason: "approved earlier in this session (exactly this call)" };
    return {
      action: "ask",
      permission: requested,
      reason:
        p.tool === "apply_patch"
          ? "approval policy untrusted asks before files change"
          : "not on the known-safe list; approval policy untrusted asks",
    };
  }
  return {
    action: "run",
    permission: requested,
    reason: sandboxed ? `runs in the ${mode} sandbox` : "full access: no sandbox",
  };
}

/**
 * MCP tool calls. The server's own sandbox (or the remote server) bounds what a
 * tool can do, so approval is about intent: a read-only tool runs; any other
 * asks (a destructive one every time, whatever was approved before) unless an
 * allow rule says otherwise; "never" refuses what would ask, except with
 * full access, where nothing asks.
 */
function decideMcp(
  policy: ApprovalPolicy,
  fullAccess: boolean,
  hints: NonNullable<Proposal["mcp"]>,
  rule: Proposal["rule"],
  sessionApproved: boolean,
  requested: Permission,
): Undecorated {
  const why = rule?.justification ? `: ${rule.justification}` : "";
  const asks: Undecorated =
    rule?.decision === "prompt"
      ? { action: "ask", permission: requested, reason: `an execpolicy rule asks before this MCP tool${why}` }
      : hints.destructive
        ? { action: "ask", permission: requested, reason: "the MCP server marks this tool destructive" }
        : hints.readOnly
          ? { action: "run", permission: requested, reason: "the MCP server marks this tool read-only" }
          : rule?.decision === "allow"
            ? { action: "run", permission: requested, reason: `MCP tool allowed by an execpolicy rule${why}` }
            : sessionApproved
              ? { action: "run", permission: requested, reason: "approved earlier in this session (exactly this call)" }
              : {
                  action: "ask",
                  permission: requested,
                  reason: "the MCP tool may change things (its server does not mark it read-only)",
                };
  if (asks.action !== "ask") return asks;
  if (rule?.decision === "prompt" && typeof policy === "object" && !policy.granular.rules)
    return { action: "refuse", reason: `${asks.reason}; granular.rules = false rejects it automatically` };
  if (policy === "never")
    return fullAccess
      ? { action: "run", permission: requested, reason: "full access with approval policy never: nothing asks" }
      : { action: "refuse", reason: `${asks.reason}; approval policy "never" does not ask` };
  return asks;
}

/** The key a session approval is stored under: exactly the call, where it runs, at what level. */
export function approvalKey(tool: Proposal["tool"], what: string[], workdir: string, permission: Permission): string {
  return JSON.stringify([tool, what, workdir, permission]);
}

/** Whether an MCP server's elicitation may be shown to the user, or is declined without asking. */
export function elicitationAllowed(policy: ApprovalPolicy): { allowed: true } | { allowed: false; reason: string } {
  if (policy === "never") return { allowed: false, reason: 'approval policy "never" does not ask the user' };
  if (typeof policy === "object" && !policy.granular.mcp_elicitations)
    return { allowed: false, reason: "granular.mcp_elicitations = false declines them automatically" };
  return { allowed: true };
}
