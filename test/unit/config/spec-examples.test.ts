// The configuration examples users know from the spec page, each parsed and
// shown to act on the resolved settings or sandbox policy.
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../agent/config/load.js";
import { resolveSettings } from "../../../agent/config/resolve.js";
import { resolvePolicy } from "../../../agent/sandbox/policy.js";

const load = (src: string) => parseConfig(src, "/h/.cordon/config.toml", [], {});
const settings = (src: string, profile?: string) =>
  resolveSettings({
    flags: profile ? { profile } : {},
    config: load(src),
    managed: { file: null },
    trust: "trusted",
    resumed: null,
  });
const policy = (src: string, over: { profile?: string; sandboxMode?: "read-only" | "workspace-write" } = {}) =>
  resolvePolicy({
    config: load(src),
    cwd: "/ws",
    home: "/home/u",
    tmpdirEnv: undefined,
    cordonHome: "/home/u/.cordon",
    inGitRepo: true,
    cli: {
      ...(over.profile ? { profile: over.profile } : {}),
      ...(over.sandboxMode ? { sandboxMode: over.sandboxMode } : {}),
    },
  });

describe("the spec's configuration examples", () => {
  it("network access in workspace-write", () => {
    expect(policy("[sandbox_workspace_write]\nnetwork_access = true\n").network).toBe(true);
  });
  it.each([["cached"], ["disabled"], ["live"]])("web_search = %s", (mode) => {
    expect(settings(`web_search = "${mode}"\n`).webSearch).toBe(mode);
  });
  it("a permission profile with project roots, a deny glob and a scan depth", () => {
    const p = policy(
      'default_permissions = "workspace"\n[permissions.workspace.filesystem]\n":project_roots" = { "." = "write", "**/*.env" = "none" }\nglob_scan_max_depth = 3\n',
    );
    expect(p).toMatchObject({ mode: "workspace-write", permissionsProfile: "workspace", globScanMaxDepth: 3 });
    expect(p.denyRead).toEqual(["/ws/**/*.env"]);
    expect(p.writableRoots).toContain("/ws");
  });
  it("approvals_reviewer user and auto_review", () => {
    expect(settings('approvals_reviewer = "user"\n').approvalsReviewer).toBe("user");
    expect(settings('approval_policy = "on-request"\napprovals_reviewer = "auto_review"\n')).toMatchObject({
      approval: "on-request",
      approvalsReviewer: "auto_review",
    });
  });
  it("always-ask mode with login shells off and network in workspace-write, and the granular form", () => {
    const src =
      'approval_policy = "untrusted"\nsandbox_mode = "read-only"\nallow_login_shell = false\n[sandbox_workspace_write]\nnetwork_access = true\n';
    expect(settings(src).approval).toBe("untrusted");
    expect(policy(src)).toMatchObject({ mode: "read-only", allowLoginShell: false, network: false });
    expect(policy(src, { sandboxMode: "workspace-write" }).network).toBe(true);
    const granular =
      "approval_policy = { granular = { sandbox_approval = true, rules = true, mcp_elicitations = true, request_permissions = false, skill_approval = false } }\n";
    expect(settings(granular).approval).toEqual({
      granular: {
        sandbox_approval: true,
        rules: true,
        mcp_elicitations: true,
        request_permissions: false,
        skill_approval: false,
      },
    });
  });
  it("profiles", () => {
    const src =
      '[profiles.full_auto]\napproval_policy = "on-request"\nsandbox_mode = "workspace-write"\n[profiles.readonly_quiet]\napproval_policy = "never"\nsandbox_mode = "read-only"\n';
    expect([settings(src, "full_auto").approval, policy(src, { profile: "full_auto" }).mode]).toEqual([
      "on-request",
      "workspace-write",
    ]);
    expect([settings(src, "readonly_quiet").approval, policy(src, { profile: "readonly_quiet" }).mode]).toEqual([
      "never",
      "read-only",
    ]);
  });
  it("reads the three [otel] examples, including the multi-line inline tables", () => {
    expect(
      load(
        '[otel]\nenvironment = "staging" # dev | staging | prod\nexporter = "none" # none | otlp-http | otlp-grpc\nlog_user_prompt = false\n',
      ).otel,
    ).toEqual({
      environment: "staging",
      exporter: "none",
      log_user_prompt: false,
    });
    expect(
      load(
        '[otel]\nexporter = { otlp-http = {\n endpoint = "https://otel.example.com/v1/logs",\n protocol = "binary",\n headers = { "x-otlp-api-key" = "${OTLP_TOKEN}" }\n}}\n',
      ).otel?.exporter,
    ).toEqual({
      "otlp-http": {
        endpoint: "https://otel.example.com/v1/logs",
        protocol: "binary",
        headers: { "x-otlp-api-key": "${OTLP_TOKEN}" },
      },
    });
    expect(
      load(
        '[otel]\nexporter = { otlp-grpc = {\n endpoint = "https://otel.example.com:4317",\n headers = { "x-otlp-meta" = "abc123" }\n}}\n',
      ).otel?.exporter,
    ).toEqual({ "otlp-grpc": { endpoint: "https://otel.example.com:4317", headers: { "x-otlp-meta": "abc123" } } });
  });
  it("refuses the Windows-only table with a clear message", () => {
    expect(() => load('[windows]\nsandbox = "unelevated"\n')).toThrow(/unknown key "windows"/);
  });
});
