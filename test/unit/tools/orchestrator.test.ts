// The tool orchestrator with a recording runtime (no processes): what runs,
// at which permission level, in which directory, after which question.
import { beforeAll, describe, expect, it } from "vitest";
import { loadShellParser, parseBash } from "../../../agent/approvals/bash-parser.js";
import type { ApprovalPolicy } from "../../../agent/approvals/approval-table.js";
import { parseRules, type Rule } from "../../../agent/execpolicy/rules.js";
import type { SandboxPolicy } from "../../../agent/sandbox/policy.js";
import type { AgentEvent, ApprovalAnswer, ApprovalRequest } from "../../../agent/session/events.js";
import { runToolCall, TurnAborted, type ToolContext, type ToolRuntime } from "../../../agent/tools/orchestrator.js";

beforeAll(async () => {
  await loadShellParser();
});

const POLICY: SandboxPolicy = {
  mode: "workspace-write",
  cwd: "/w",
  writableRoots: ["/tmp", "/w"],
  readOnlyPaths: [],
  denyRead: [],
  network: false,
  globScanMaxDepth: 8,
  allowLoginShell: true,
  permissionsProfile: null,
  profile: null,
  protectedNames: [".git", ".agents", ".cordon", ".codex"],
  hostTrustedPaths: ["/w/.vscode"],
  privatePaths: ["/h/.cordon"],
};

interface Run {
  tool: "shell" | "patch";
  argv?: string[];
  cwd: string;
  mode: string;
  network: boolean;
  writable: string[];
}

function harness(
  o: {
    approval?: ApprovalPolicy;
    mode?: SandboxPolicy["mode"];
    answers?: ApprovalAnswer[];
    rules?: string;
    exit?: number;
    system?: (n: string) => boolean;
    denials?: { rule: "no network"; message: string }[];
  } = {},
) {
  const runs: Run[] = [];
  const asked: ApprovalRequest[] = [];
  const events: AgentEvent[] = [];
  const remembered: string[][] = [];
  const answers = [...(o.answers ?? [])];
  const runtime: ToolRuntime = {
    shell: async (args, policy, sandboxed) => {
      runs.push({
        tool: "shell",
        argv: args.command,
        cwd: policy.cwd,
        mode: sandboxed ? policy.mode : "none",
        network: policy.network,
        writable: policy.writableRoots,
      });
      const exitCode = runs.length === 1 ? (o.exit ?? 0) : 0;
      return {
        exitCode,
        signal: null,
        timedOut: false,
        output: "out\n",
        truncated: false,
        denials: exitCode && o.denials ? o.denials : [],
        sandboxed,
      };
    },
    patch: async (_ops, policy) => {
      runs.push({
        tool: "patch",
        cwd: policy.cwd,
        mode: policy.mode,
        network: policy.network,
        writable: policy.writableRoots,
      });
      return { ok: true, message: "patch applied", files: [] };
    },
    parseScript: async (s) => parseBash(s),
    isSystemProgram: (name) => (o.system ? o.system(name) : true),
    rememberPrefix: (prefix) => {
      remembered.push(prefix);
      return parseRules(
        `prefix_rule(pattern=${JSON.stringify(prefix)}, decision="allow")`,
        "/h/.cordon/rules/default.rules",
      );
    },
  };
  const ctx: ToolContext = {
    policy: { ...POLICY, mode: o.mode ?? "workspace-write" },
    approval: o.approval ?? "on-request",
    home: "/h",
    env: {},
    sessionApprovals: new Set(),
    rules: o.rules ? parseRules(o.rules, "t.rules") : ([] as Rule[]),
    runtime,
    emit: (e) => events.push(e),
    ask: async (r) => {
      asked.push(r);
      return answers.shift() ?? { kind: "deny" };
    },
  };
  const signal = new AbortController().signal;
  const shell = async (args: Record<string, unknown>) =>
    JSON.parse(
      await runToolCall(ctx, { callId: `c${runs.length}`, name: "shell", arguments: JSON.stringify(args) }, signal),
    ) as Record<string, unknown>;
  const patch = async (p: string) =>
    JSON.parse(
      await runToolCall(ctx, { callId: "p", name: "apply_patch", arguments: JSON.stringify({ patch: p }) }, signal),
    ) as Record<string, unknown>;
  return { ctx, runs, asked, events, remembered, shell, patch };
}

const ESC = { with_escalated_permissions: true, justification: "needed" };
const P = (...body: string[]) => ["*** Begin Patch", ...body, "*** End Patch"].join("\n");

describe("exact approvals", () => {
  it("a session approval of a sandboxed command never covers its escalation, a longer command, another directory or a patch", async () => {
    const h = harness({ approval: "untrusted", answers: [{ kind: "approve_session" }] });
    await h.shell({ command: ["npm", "test"] });
    await h.shell({ command: ["npm", "test"] }); // exactly the same: no question
    expect(h.asked).toHaveLength(1);
    await h.shell({ command: ["npm", "test"], ...ESC });
    await h.shell({ command: ["npm", "test", "--", "--evil"] });
    await h.shell({ command: ["npm", "test"], workdir: "sub" });
    await h.patch(P("*** Add File: npm", "+x"));
    expect(h.asked.map((a) => [a.argv, a.workdir, a.permission])).toEqual([
      [["npm", "test"], "/w", "workspace-write sandbox"],
      [["npm", "test"], "/w", "no sandbox (full access)"],
      [["npm", "test", "--", "--evil"], "/w", "workspace-write sandbox"],
      [["npm", "test"], "/w/sub", "workspace-write sandbox"],
      [["/w/npm"], "/w", "workspace-write sandbox"],
    ]);
    expect(h.runs.map((r) => r.argv?.join(" ") ?? r.tool)).toEqual(["npm test", "npm test"]); // the rest were denied
  });

  it("an escalated command runs in the workdir the prompt showed, outside the sandbox", async () => {
    const h = harness({ answers: [{ kind: "approve" }] });
    await h.shell({ command: ["make"], workdir: "/w/sub", ...ESC });
    expect(h.asked[0]).toMatchObject({
      argv: ["make"],
      workdir: "/w/sub",
      permission: "no sandbox (full access)",
      justification: "needed",
    });
    expect(h.runs).toEqual([
      { tool: "shell", argv: ["make"], cwd: "/w/sub", mode: "none", network: true, writable: ["/tmp", "/w"] },
    ]);
  });
});

describe("execpolicy rules in the sequence", () => {
  const rules =
    'prefix_rule(pattern=["git", "push"], decision="prompt", justification="talks to the remote")\nprefix_rule(pattern=["rm", "-rf"], decision="forbidden", justification="never")\nprefix_rule(pattern=["cargo"], decision="allow")\n';
  it("forbidden refuses even inside the sandbox, in any command of a script", async () => {
    const h = harness({ rules, approval: "never" });
    const out = await h.shell({ command: ["bash", "-lc", "ls && echo $(rm -rf build)"] });
    expect(out.error).toMatch(/refused by the approval policy: forbidden by an execpolicy rule: never/);
    expect(h.runs).toEqual([]);
  });
  it("allow lets a matching escalation run unsandboxed without asking; prompt asks even in the sandbox", async () => {
    const h = harness({ rules, answers: [{ kind: "approve" }] });
    await h.shell({ command: ["cargo", "build"], ...ESC });
    expect(h.asked).toHaveLength(0);
    expect(h.runs[0]).toMatchObject({ argv: ["cargo", "build"], mode: "none" });
    await h.shell({ command: ["git", "push"] });
    expect(h.asked[0]).toMatchObject({
      reason: "an execpolicy rule asks before this: talks to the remote",
      permission: "workspace-write sandbox",
    });
  });
  it("granular rules = false rejects rule prompts", async () => {
    const h = harness({
      rules,
      approval: {
        granular: {
          sandbox_approval: true,
          rules: false,
          request_permissions: true,
          mcp_elicitations: true,
          skill_approval: true,
        },
      },
    });
    expect((await h.shell({ command: ["git", "push"] })).error).toMatch(/granular.rules = false/);
    expect(h.asked).toHaveLength(0);
  });
  it("'always allow this prefix' writes the rule shown, and later escalations of that prefix run without asking", async () => {
    const h = harness({ answers: [{ kind: "approve_prefix" }] });
    await h.shell({ command: ["bash", "-lc", "npm install left-pad"], ...ESC });
    expect(h.asked[0]?.prefix).toEqual(["npm", "install"]);
    expect(h.remembered).toEqual([["npm", "install"]]);
    await h.shell({ command: ["npm", "install", "other"], ...ESC });
    expect(h.asked).toHaveLength(1);
    expect(h.runs.map((r) => r.mode)).toEqual(["none", "none"]);
  });
  it("offers no prefix for a compound script", async () => {
    const h = harness();
    await h.shell({ command: ["bash", "-lc", "npm ci && npm test"], ...ESC });
    expect(h.asked[0]?.prefix).toBeNull();
  });
});

describe("request_permissions", () => {
  it("asks for exactly network, and runs in the sandbox with only that added", async () => {
    const h = harness({ answers: [{ kind: "approve" }] });
    await h.shell({
      command: ["npm", "install"],
      additional_permissions: { network: true },
      justification: "fetch packages",
    });
    expect(h.asked[0]).toMatchObject({
      permission: "workspace-write sandbox + network on",
      reason: "the model asks for extra permissions for this call",
    });
    expect(h.runs).toEqual([
      {
        tool: "shell",
        argv: ["npm", "install"],
        cwd: "/w",
        mode: "workspace-write",
        network: true,
        writable: ["/tmp", "/w"],
      },
    ]);
  });
  it("asks for exactly one extra writable path", async () => {
    const h = harness({ answers: [{ kind: "approve" }] });
    await h.shell({ command: ["make", "install"], additional_permissions: { writable_paths: ["/opt/tool"] } });
    expect(h.asked[0]?.permission).toBe("workspace-write sandbox + /opt/tool writable");
    expect(h.runs[0]).toMatchObject({ mode: "workspace-write", network: false, writable: ["/tmp", "/w", "/opt/tool"] });
  });
  it("is refused under never and with granular request_permissions = false", async () => {
    for (const approval of [
      "never",
      {
        granular: {
          sandbox_approval: true,
          rules: true,
          request_permissions: false,
          mcp_elicitations: true,
          skill_approval: true,
        },
      },
    ] as ApprovalPolicy[]) {
      const h = harness({ approval });
      expect((await h.shell({ command: ["curl", "x"], additional_permissions: { network: true } })).error).toMatch(
        /refused/,
      );
      expect(h.runs).toEqual([]);
    }
  });
  it("rejects malformed additional_permissions as a tool error", async () => {
    const h = harness();
    expect((await h.shell({ command: ["ls"], additional_permissions: { root: true } })).error).toMatch(
      /additional_permissions/,
    );
  });
  it("a patch outside the writable roots asks for that path (its nearest existing directory), and writes with it granted", async () => {
    const h = harness({ answers: [{ kind: "approve" }] });
    await h.patch(P("*** Add File: /var/tmp/cordon-unit-nonexistent/notes.md", "+x"));
    expect(h.asked[0]).toMatchObject({
      tool: "apply_patch",
      argv: ["/var/tmp/cordon-unit-nonexistent/notes.md"],
      permission: "workspace-write sandbox + /var/tmp writable",
    });
    expect(h.runs[0]).toMatchObject({ tool: "patch", writable: ["/tmp", "/w", "/var/tmp"] });
  });
  it("a patch into protected metadata is refused, never asked", async () => {
    const h = harness();
    expect((await h.patch(P("*** Add File: .git/hooks/pre-commit", "+x"))).error).toMatch(/protected/);
    expect(h.asked).toHaveLength(0);
  });
});

describe("settings the sequence honours", () => {
  it("allow_login_shell = false runs a -lc script as -c, and shows it that way", async () => {
    const h = harness({ answers: [{ kind: "approve" }] });
    h.ctx.policy = { ...h.ctx.policy, allowLoginShell: false };
    await h.shell({ command: ["bash", "-lc", "make test"], ...ESC });
    expect(h.asked[0]?.argv).toEqual(["bash", "-c", "make test"]);
    expect(h.runs[0]?.argv).toEqual(["bash", "-c", "make test"]);
    const on = harness();
    await on.shell({ command: ["bash", "-lc", "make test"] });
    expect(on.runs[0]?.argv).toEqual(["bash", "-lc", "make test"]);
  });
});

describe("classification in the sequence", () => {
  it("runs known-safe git without asking in the sandbox, but asks with full access (repository config can run programs)", async () => {
    const sandboxed = harness({ approval: "untrusted" });
    await sandboxed.shell({ command: ["git", "status"] });
    expect(sandboxed.asked).toHaveLength(0);
    const full = harness({ approval: "untrusted", mode: "danger-full-access" });
    await full.shell({ command: ["git", "status"] });
    expect(full.asked).toHaveLength(1);
  });
  it("asks under untrusted when the program on PATH is not the system's own", async () => {
    const h = harness({ approval: "untrusted", system: (n) => n !== "cat" });
    await h.shell({ command: ["cat", "README"] });
    await h.shell({ command: ["ls"] });
    expect(h.asked.map((a) => a.argv)).toEqual([["cat", "README"]]);
  });
  it("on-failure asks to run a failed sandboxed command outside, and says when the network was the problem", async () => {
    const h = harness({
      approval: "on-failure",
      exit: 1,
      answers: [{ kind: "approve" }],
      denials: [{ rule: "no network", message: "no network" }],
    });
    await h.shell({ command: ["npm", "ci"] });
    expect(h.asked[0]).toMatchObject({
      reason: "failed in the sandbox (exit 1); run it again outside the sandbox?",
      permission: "no sandbox (full access)",
    });
    expect(h.runs.map((r) => r.mode)).toEqual(["workspace-write", "none"]);
    const h2 = harness({ exit: 1, denials: [{ rule: "no network", message: "no network" }] });
    expect((await h2.shell({ command: ["npm", "ci"] })).hint).toMatch(/additional_permissions: \{"network": true\}/);
  });
  it("aborting at a prompt ends the turn", async () => {
    const h = harness({ answers: [{ kind: "abort" }] });
    await expect(h.shell({ command: ["x"], ...ESC })).rejects.toBeInstanceOf(TurnAborted);
  });
});
