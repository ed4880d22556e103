// MCP tool calls in the approval table: annotation x policy x rule x grant, full access, elicitations.
import { describe, expect, it } from "vitest";
import {
  decideApproval,
  elicitationAllowed,
  type ApprovalPolicy,
  type Proposal,
} from "../../../agent/approvals/approval-table.js";
import type { SandboxMode } from "../../../agent/config/schema.js";

const base: Proposal = {
  tool: "mcp",
  mcp: { readOnly: false, destructive: false },
  safe: false,
  danger: null,
  rule: null,
  requested: { kind: "sandbox" },
  sessionApproved: false,
};
const kinds: Record<string, Proposal> = {
  readOnly: { ...base, mcp: { readOnly: true, destructive: false } },
  sideEffect: base,
  sideEffectGranted: { ...base, sessionApproved: true },
  destructive: { ...base, mcp: { readOnly: false, destructive: true } },
  destructiveGranted: { ...base, mcp: { readOnly: false, destructive: true }, sessionApproved: true },
  allowRule: { ...base, rule: { decision: "allow", justification: null } },
  allowRuleDestructive: {
    ...base,
    mcp: { readOnly: false, destructive: true },
    rule: { decision: "allow", justification: null },
  },
  promptRuleReadOnly: {
    ...base,
    mcp: { readOnly: true, destructive: false },
    rule: { decision: "prompt", justification: "audited" },
  },
  forbiddenReadOnly: {
    ...base,
    mcp: { readOnly: true, destructive: false },
    rule: { decision: "forbidden", justification: "not here" },
  },
};
const G = (rules: boolean, mcp_elicitations = true): ApprovalPolicy => ({
  granular: { sandbox_approval: true, rules, request_permissions: true, mcp_elicitations, skill_approval: true },
});

describe("MCP tool approvals", () => {
  const table: [ApprovalPolicy, SandboxMode, keyof typeof kinds, "run" | "ask" | "refuse"][] = [
    ["untrusted", "workspace-write", "readOnly", "run"],
    ["untrusted", "workspace-write", "sideEffect", "ask"],
    ["untrusted", "workspace-write", "sideEffectGranted", "run"],
    ["untrusted", "workspace-write", "destructive", "ask"],
    ["on-request", "workspace-write", "readOnly", "run"],
    ["on-request", "workspace-write", "sideEffect", "ask"],
    ["on-request", "workspace-write", "destructive", "ask"],
    // A destructive tool asks every time: an earlier "this session" answer does not cover it.
    ["on-request", "workspace-write", "destructiveGranted", "ask"],
    ["on-request", "workspace-write", "allowRule", "run"],
    ["on-request", "workspace-write", "allowRuleDestructive", "ask"],
    ["on-request", "workspace-write", "promptRuleReadOnly", "ask"],
    ["on-request", "workspace-write", "forbiddenReadOnly", "refuse"],
    ["on-failure", "read-only", "sideEffect", "ask"],
    ["never", "workspace-write", "readOnly", "run"],
    ["never", "workspace-write", "sideEffect", "refuse"],
    ["never", "workspace-write", "destructive", "refuse"],
    ["never", "read-only", "promptRuleReadOnly", "refuse"],
    // Full access with "never" (--yolo): nothing asks, but a forbidden rule still holds.
    ["never", "danger-full-access", "destructive", "run"],
    ["never", "danger-full-access", "sideEffect", "run"],
    ["never", "danger-full-access", "forbiddenReadOnly", "refuse"],
    ["on-request", "danger-full-access", "destructive", "ask"],
    ["on-request", "danger-full-access", "readOnly", "run"],
    [G(true), "workspace-write", "sideEffect", "ask"],
    [G(false), "workspace-write", "promptRuleReadOnly", "refuse"],
    [G(false), "workspace-write", "destructive", "ask"],
  ];
  it.each(table)("%j in %s: %s -> %s", (policy, mode, kind, want) => {
    const d = decideApproval(policy, mode, kinds[kind] as Proposal);
    expect(d.action).toBe(want);
    if (d.action !== "refuse") expect(d.permission).toEqual({ kind: "sandbox" });
  });

  it("says why, in words that name the annotation or the rule", () => {
    expect(decideApproval("on-request", "workspace-write", kinds.destructive as Proposal)).toEqual({
      action: "ask",
      permission: { kind: "sandbox" },
      source: "config",
      reason: "the MCP server marks this tool destructive",
    });
    expect(decideApproval("never", "workspace-write", kinds.sideEffect as Proposal)).toEqual({
      action: "refuse",
      source: "config",
      reason:
        'the MCP tool may change things (its server does not mark it read-only); approval policy "never" does not ask',
    });
    expect(decideApproval("untrusted", "read-only", kinds.forbiddenReadOnly as Proposal)).toEqual({
      action: "refuse",
      source: "rule",
      reason: "forbidden by an execpolicy rule: not here",
    });
  });
});

describe("MCP elicitations", () => {
  it.each([
    ["on-request" as ApprovalPolicy, { allowed: true }],
    ["untrusted" as ApprovalPolicy, { allowed: true }],
    ["never" as ApprovalPolicy, { allowed: false, reason: 'approval policy "never" does not ask the user' }],
    [G(true, true), { allowed: true }],
    [G(true, false), { allowed: false, reason: "granular.mcp_elicitations = false declines them automatically" }],
  ])("%j -> %j", (policy, want) => expect(elicitationAllowed(policy)).toEqual(want));
});
