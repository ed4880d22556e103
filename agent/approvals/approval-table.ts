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
  tool: "shell" | "apply_patch";
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

export type Decision =
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
  const granular = typeof policy === "object" ? policy.granular : null;
  const fullAccess = mode === "danger-full-access";
  const requested: Permission = fullAccess ? { kind: "unsandboxed" } : p.requested;
  const rule = p.rule;
  const why = (r: NonNullable<Proposal["rule"]>) => (r.justification ? `: ${r.justification}` : "");

  if (rule?.decision === "forbidden")
    return { action: "refuse", reason: `forbidden by an execpolicy rule${why(rule)}` };
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

/** The key a session approval is stored under: exactly the call, where it runs, at what level. */
export function approvalKey(tool: Proposal["tool"], what: string[], workdir: string, permission: Permission): string {
  return JSON.stringify([tool, what, workdir, permission]);
}
