// Approval policy: given what the model proposed and the session's settings,
// run it (in the sandbox or not), ask the user, or refuse. Pure: the
// classification of the command is an input, so the whole table
// policy x command kind is unit-tested.
import type { SandboxMode } from "../config/schema.js";

export type ApprovalPolicy =
  | "untrusted"
  | "on-failure"
  | "on-request"
  | "never"
  | { granular: { sandbox_approval: boolean; rules: boolean; request_permissions: boolean; mcp_elicitations?: boolean; skill_approval?: boolean } };

export interface Proposal {
  /** From the known-safe classifier. */
  safe: boolean;
  /** From the dangerous-command rules; null when none applies. */
  danger: string | null;
  /** The model asked to run outside the sandbox (with a justification). */
  escalate: boolean;
  /** The user approved this command's prefix earlier in the session. */
  prefixApproved: boolean;
}

export type Decision =
  | { action: "run"; sandboxed: boolean; reason: string }
  | { action: "ask"; sandboxed: boolean; reason: string }
  | { action: "refuse"; reason: string };

export function policyName(p: ApprovalPolicy): string {
  return typeof p === "string" ? p : "granular";
}

export function decide(policy: ApprovalPolicy, mode: SandboxMode, p: Proposal): Decision {
  const unsandboxedMode = mode === "danger-full-access";
  const granular = typeof policy === "object" ? policy.granular : null;
  if (p.danger) {
    // Dangerous forms always ask, whatever was approved before.
    if (policy === "never") return { action: "refuse", reason: `${p.danger}; approval policy "never" refuses it without asking` };
    if (granular && !granular.rules) return { action: "refuse", reason: `${p.danger}; granular.rules = false rejects it automatically` };
    return { action: "ask", sandboxed: !p.escalate && !unsandboxedMode, reason: p.danger };
  }
  if (p.escalate && !unsandboxedMode) {
    if (policy === "never") return { action: "refuse", reason: `running outside the sandbox needs approval, and approval policy "never" does not ask; the command can run inside the ${mode} sandbox` };
    if (granular && !granular.sandbox_approval) return { action: "refuse", reason: "granular.sandbox_approval = false rejects requests to run outside the sandbox" };
    if (p.prefixApproved) return { action: "run", sandboxed: false, reason: "approved for this session (outside the sandbox)" };
    return { action: "ask", sandboxed: false, reason: "the model asks to run this outside the sandbox" };
  }
  const sandboxed = !unsandboxedMode;
  if (policy === "untrusted") {
    if (p.safe) return { action: "run", sandboxed, reason: "known-safe read-only command" };
    if (p.prefixApproved) return { action: "run", sandboxed, reason: "approved for this session" };
    return { action: "ask", sandboxed, reason: "not on the known-safe list; approval policy untrusted asks" };
  }
  return { action: "run", sandboxed, reason: sandboxed ? `runs in the ${mode} sandbox` : "full access: no sandbox" };
}

/** The prefix an "approve for this session" answer covers: the first two words. */
export function commandPrefix(words: string[]): string {
  return words.slice(0, 2).join(" ");
}
