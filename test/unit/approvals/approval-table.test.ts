// The approval table: policy x classification x rules x grant, and the keys of session grants.
import { describe, expect, it } from "vitest";
import {
  approvalKey,
  decideApproval,
  permissionLabel,
  type ApprovalPolicy,
  type Permission,
  type Proposal,
} from "../../../agent/approvals/approval-table.js";

describe("approval decisions: policy x classification x rules x grant", () => {
  const SB: Permission = { kind: "sandbox" };
  const OUT: Permission = { kind: "unsandboxed" };
  const NET: Permission = { kind: "sandbox+", network: true, writable: [] };
  const base: Proposal = {
    tool: "shell",
    safe: false,
    danger: null,
    rule: null,
    requested: SB,
    sessionApproved: false,
  };
  const kinds: Record<string, Proposal> = {
    safe: { ...base, safe: true },
    other: base,
    granted: { ...base, sessionApproved: true },
    escalate: { ...base, requested: OUT },
    escalateGranted: { ...base, requested: OUT, sessionApproved: true },
    extra: { ...base, requested: NET },
    extraGranted: { ...base, requested: NET, sessionApproved: true },
    dangerous: { ...base, danger: "sudo runs commands with other privileges", sessionApproved: true },
    ruleAllowEscalate: { ...base, requested: OUT, rule: { decision: "allow", justification: null } },
    ruleAllowSandboxed: { ...base, rule: { decision: "allow", justification: null } },
    rulePrompt: { ...base, safe: true, rule: { decision: "prompt", justification: "talks to the remote" } },
    rulePromptGranted: { ...base, rule: { decision: "prompt", justification: null }, sessionApproved: true },
    ruleForbidden: { ...base, safe: true, rule: { decision: "forbidden", justification: "never" } },
    patch: { ...base, tool: "apply_patch" },
  };
  const G = (sandbox_approval: boolean, rules: boolean, request_permissions = true): ApprovalPolicy => ({
    granular: { sandbox_approval, rules, request_permissions, mcp_elicitations: true, skill_approval: true },
  });
  type Want = ["run" | "ask", Permission] | ["refuse"];
  const table: [string, ApprovalPolicy, keyof typeof kinds, Want][] = [
    ["untrusted", "untrusted", "safe", ["run", SB]],
    ["untrusted", "untrusted", "other", ["ask", SB]],
    ["untrusted", "untrusted", "granted", ["run", SB]],
    ["untrusted", "untrusted", "escalate", ["ask", OUT]],
    ["untrusted", "untrusted", "dangerous", ["ask", SB]],
    ["untrusted", "untrusted", "patch", ["ask", SB]],
    ["untrusted", "untrusted", "ruleAllowSandboxed", ["run", SB]],
    ["untrusted", "untrusted", "rulePrompt", ["ask", SB]],
    ["on-request", "on-request", "safe", ["run", SB]],
    ["on-request", "on-request", "other", ["run", SB]],
    ["on-request", "on-request", "escalate", ["ask", OUT]],
    ["on-request", "on-request", "escalateGranted", ["run", OUT]],
    ["on-request", "on-request", "dangerous", ["ask", SB]],
    ["on-request", "on-request", "patch", ["run", SB]],
    ["on-request", "on-request", "extra", ["ask", NET]],
    ["on-request", "on-request", "extraGranted", ["run", NET]],
    ["on-request", "on-request", "ruleAllowEscalate", ["run", OUT]],
    ["on-request", "on-request", "rulePrompt", ["ask", SB]],
    ["on-request", "on-request", "rulePromptGranted", ["run", SB]],
    ["on-request", "on-request", "ruleForbidden", ["refuse"]],
    ["on-failure", "on-failure", "other", ["run", SB]],
    ["on-failure", "on-failure", "dangerous", ["ask", SB]],
    ["never", "never", "safe", ["run", SB]],
    ["never", "never", "other", ["run", SB]],
    ["never", "never", "escalate", ["refuse"]],
    ["never", "never", "dangerous", ["refuse"]],
    ["never", "never", "extra", ["refuse"]],
    ["never", "never", "rulePrompt", ["refuse"]],
    ["never", "never", "ruleAllowEscalate", ["run", OUT]],
    ["never", "never", "ruleForbidden", ["refuse"]],
    ["granular(sandbox_approval=false)", G(false, true), "escalate", ["refuse"]],
    ["granular(sandbox_approval=false)", G(false, true), "other", ["run", SB]],
    ["granular(rules=false)", G(true, false), "dangerous", ["refuse"]],
    ["granular(rules=false)", G(true, false), "rulePrompt", ["refuse"]],
    ["granular(request_permissions=false)", G(true, true, false), "extra", ["refuse"]],
    ["granular(all true)", G(true, true), "escalate", ["ask", OUT]],
    ["granular(all true)", G(true, true), "dangerous", ["ask", SB]],
    ["granular(all true)", G(true, true), "extra", ["ask", NET]],
  ];
  it.each(table)("%s, %s -> %j", (_, policy, kind, want) => {
    const d = decideApproval(policy, "workspace-write", kinds[kind] as Proposal);
    expect(d.action).toBe(want[0]);
    if (d.action !== "refuse") expect(d.permission).toEqual(want[1]);
  });
  it("says why, whole", () => {
    expect(decideApproval("untrusted", "workspace-write", kinds.other as Proposal)).toEqual({
      action: "ask",
      permission: SB,
      source: "config",
      reason: "not on the known-safe list; approval policy untrusted asks",
    });
    expect(decideApproval("never", "workspace-write", kinds.escalate as Proposal)).toEqual({
      action: "refuse",
      source: "config",
      reason:
        'running outside the sandbox needs approval, and approval policy "never" does not ask; the command can run inside the workspace-write sandbox',
    });
    expect(decideApproval("on-request", "workspace-write", kinds.ruleForbidden as Proposal)).toEqual({
      action: "refuse",
      source: "rule",
      reason: "forbidden by an execpolicy rule: never",
    });
    expect(decideApproval("on-request", "workspace-write", kinds.extra as Proposal)).toEqual({
      action: "ask",
      permission: NET,
      source: "config",
      reason: "the model asks for extra permissions for this call",
    });
    expect(decideApproval("on-request", "workspace-write", kinds.other as Proposal)).toEqual({
      action: "run",
      permission: SB,
      source: "config",
      reason: "runs in the workspace-write sandbox",
    });
  });
  it("names who decided without asking: the config, a rule, or an earlier session approval", () => {
    const src = (policy: ApprovalPolicy, k: keyof typeof kinds) =>
      decideApproval(policy, "workspace-write", kinds[k] as Proposal).source;
    expect(src("on-request", "ruleAllowEscalate")).toBe("rule");
    expect(src("untrusted", "ruleAllowSandboxed")).toBe("rule");
    expect(src("never", "rulePrompt")).toBe("rule");
    expect(src("on-request", "escalateGranted")).toBe("session");
    expect(src("untrusted", "granted")).toBe("session");
    expect(src("untrusted", "safe")).toBe("config");
    // A rule that did not decide (allow, but the call stayed in the sandbox under on-request) is not the source.
    expect(src("on-request", "ruleAllowSandboxed")).toBe("config");
  });
  it("never sandboxes in danger-full-access, but still asks for dangerous commands and under untrusted", () => {
    expect(decideApproval("on-request", "danger-full-access", kinds.other as Proposal)).toMatchObject({
      action: "run",
      permission: OUT,
    });
    expect(decideApproval("on-request", "danger-full-access", kinds.dangerous as Proposal)).toMatchObject({
      action: "ask",
      permission: OUT,
    });
    expect(decideApproval("untrusted", "danger-full-access", kinds.other as Proposal)).toMatchObject({
      action: "ask",
      permission: OUT,
    });
  });
  it("keys a session approval by tool, exact argv, workdir and permission: nothing broader", () => {
    const k = approvalKey("shell", ["npm", "test"], "/w", SB);
    expect(k).not.toBe(approvalKey("shell", ["npm", "test"], "/w", OUT)); // never an escalation
    expect(k).not.toBe(approvalKey("shell", ["npm", "test", "--", "x"], "/w", SB)); // never a longer command
    expect(k).not.toBe(approvalKey("shell", ["npm", "test"], "/w/sub", SB)); // never another directory
    expect(k).not.toBe(approvalKey("apply_patch", ["npm", "test"], "/w", SB)); // never a patch
    expect(k).not.toBe(approvalKey("shell", ["npm", "test"], "/w", NET));
    expect(k).toBe(approvalKey("shell", ["npm", "test"], "/w", { kind: "sandbox" }));
  });
  it("labels permission levels as the prompt shows them", () => {
    expect(
      [SB, OUT, NET, { kind: "sandbox+", network: false, writable: ["/opt/x"] } as Permission].map((p) =>
        permissionLabel("workspace-write", p),
      ),
    ).toEqual([
      "workspace-write sandbox",
      "no sandbox (full access)",
      "workspace-write sandbox + network on",
      "workspace-write sandbox + /opt/x writable",
    ]);
  });
});
