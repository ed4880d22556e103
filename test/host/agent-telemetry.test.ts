// Telemetry end to end: `cordon exec` with [otel] pointed at real OTLP
// receivers on loopback (HTTP protobuf, HTTP JSON, gRPC). Event names and
// attributes, metrics, the resource, redaction (a planted secret never in any
// exported byte), flush before exit, and a collector that is down or hangs.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { execa } from "execa";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { agentWorkspace, CLI, cliEnv, runExec, useAgentFixture } from "../support/agent-cli.js";
import { startGrpcReceiver, startHttpReceiver, type Receiver } from "../support/otlp-receiver.js";
import { responses, shellCall } from "../support/scripted-model.js";

const fx = useAgentFixture("cordon-otel-");
const SECRET = "sk-planted-openai-secret-0001";
const TOKEN = "otlp-header-token-9f8e7d";
let receivers: Receiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  receivers = [];
});

const otel = (exporter: string, extra = "") => `\n[otel]\nenvironment = "staging"\n${extra}\nexporter = ${exporter}\n`;

async function run(otelToml: string, env: Record<string, string> = {}) {
  const { ws, home } = agentWorkspace(fx, `ws-${Math.random().toString(36).slice(2, 8)}`, { extra: otelToml });
  const r = await runExec(fx, {
    ws,
    home,
    args: [`look at this: ${SECRET}`],
    steps: [shellCall("c1", ["bash", "-lc", `echo token=${SECRET}; echo done`]), responses("All done.")],
    env: { OPENAI_API_KEY: SECRET, OTLP_TOKEN: TOKEN, ...env },
  });
  return { ...r, home };
}

const names = (r: Receiver) => r.logs.map((l) => l.name);

describe("telemetry over OTLP", () => {
  it("HTTP protobuf: every event with its attributes, metrics, the resource; secrets never leave; all sent before exit", async () => {
    const rx = await startHttpReceiver();
    receivers.push(rx);
    const r = await run(
      otel(
        `{ otlp-http = {\n endpoint = "${rx.url}/v1/logs",\n protocol = "binary",\n headers = { "x-otlp-api-key" = "\${OTLP_TOKEN}" }\n}}`,
        "log_user_prompt = true",
      ),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(rx.contentTypes.every((t) => t === "application/x-protobuf")).toBe(true);
    const sessionId = r.events.find((e) => e.type === "session.started")?.session_id;
    expect(names(rx)).toEqual([
      "cordon.conversation_starts",
      "cordon.user_prompt",
      "cordon.api_request",
      "cordon.sse_event",
      "cordon.tool_decision",
      "cordon.tool_result",
      "cordon.api_request",
      "cordon.sse_event",
    ]);
    expect(rx.logs.every((l) => l.attributes["conversation.id"] === sessionId)).toBe(true);
    const by = (n: string) => rx.logs.find((l) => l.name === n)?.attributes ?? {};
    expect(by("cordon.conversation_starts")).toMatchObject({
      model: "test-model",
      provider: "scripted",
      sandbox: "workspace-write",
      approval_policy: "on-request",
      approvals_reviewer: "user",
    });
    expect(by("cordon.user_prompt")).toEqual({
      "event.name": "cordon.user_prompt",
      "conversation.id": sessionId,
      prompt_length: `look at this: ${SECRET}`.length,
      prompt: "look at this: [REDACTED]",
    });
    expect(by("cordon.api_request")).toMatchObject({ attempt: 1, status: 200, success: true });
    expect(by("cordon.sse_event")).toMatchObject({ kind: "response.completed", success: true, tool_calls: 1 });
    expect(by("cordon.tool_decision")).toMatchObject({
      call_id: "c1",
      tool: "shell",
      decision: "approved",
      detail: "auto",
      source: "config",
      reason: "runs in the workspace-write sandbox",
    });
    expect(by("cordon.tool_result")).toMatchObject({
      call_id: "c1",
      tool: "shell",
      success: true,
      exit_code: 0,
      timed_out: false,
      output: "token=[REDACTED]\ndone\n",
    });
    expect(rx.logs[0]?.resource).toMatchObject({
      "service.name": "cordon",
      "deployment.environment": "staging",
      "deployment.environment.name": "staging",
    });
    expect(String(rx.logs[0]?.resource["service.version"])).toMatch(/^\d+\.\d+\.\d+/);
    const point = (n: string) => rx.points.filter((p) => p.name === n);
    expect(point("cordon.tool.call")).toEqual([
      { name: "cordon.tool.call", value: 1, attributes: { tool: "shell", success: true } },
    ]);
    expect(point("cordon.tool.call.duration_ms")[0]?.count).toBe(1);
    expect(point("cordon.api_request").reduce((n, p) => n + p.value, 0)).toBe(2);
    expect(point("cordon.sse_event.duration_ms")[0]?.count).toBe(2);
    const bytes = Buffer.concat(rx.raw).toString("latin1");
    expect(bytes).not.toContain(SECRET);
    expect(bytes).not.toContain(TOKEN);
    expect(r.stderr).not.toMatch(/telemetry/);
  });

  it("HTTP JSON: the same records, as JSON; the prompt's text stays out unless log_user_prompt", async () => {
    const rx = await startHttpReceiver();
    receivers.push(rx);
    const r = await run(otel(`{ otlp-http = { endpoint = "${rx.url}", protocol = "json" } }`));
    expect(r.code, r.stderr).toBe(0);
    expect(rx.contentTypes.every((t) => t.startsWith("application/json"))).toBe(true);
    expect(names(rx)).toContain("cordon.tool_result");
    const prompt = rx.logs.find((l) => l.name === "cordon.user_prompt")?.attributes;
    expect(prompt?.prompt_length).toBe(`look at this: ${SECRET}`.length);
    expect(prompt).not.toHaveProperty("prompt");
    expect(Buffer.concat(rx.raw).toString("utf8")).not.toContain(SECRET);
  });

  it("gRPC: logs and metrics through the OTLP services, headers as metadata", async () => {
    const rx = await startGrpcReceiver();
    receivers.push(rx);
    const r = await run(
      otel(`{ otlp-grpc = { endpoint = "${rx.url}", headers = { "x-otlp-meta" = "\${OTLP_TOKEN}" } } }`),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(names(rx)).toContain("cordon.tool_decision");
    expect(rx.points.find((p) => p.name === "cordon.tool.call")?.value).toBe(1);
    expect(rx.metadata.some((m) => m["x-otlp-meta"] === TOKEN)).toBe(true);
    expect(Buffer.concat(rx.raw).toString("latin1")).not.toContain(SECRET);
  });

  it("a collector that is down costs one warning; one that hangs is left behind at the deadline; the turn completes either way", async () => {
    const gone = await startHttpReceiver();
    const url = gone.url;
    await gone.close();
    const down = await run(otel(`{ otlp-http = { endpoint = "${url}" } }`));
    expect(down.code).toBe(0);
    expect(down.events.at(-1)?.type).toBe("turn.completed");
    expect(down.stderr.match(/telemetry: cannot export/g)).toHaveLength(1);
    expect(down.stderr).toContain(`telemetry: cannot export to ${url}`);

    const slow = await startHttpReceiver({ hang: true });
    receivers.push(slow);
    const hung = await run(otel(`{ otlp-http = { endpoint = "${slow.url}" } }`));
    expect(hung.code).toBe(0);
    expect(hung.events.at(-1)?.type).toBe("turn.completed");
    expect(hung.stderr).toMatch(/telemetry: (cannot export|the collector did not take the last records)/);
    expect(slow.raw.length).toBeGreaterThan(0);
  });

  it("a header variable that is not set stops the start, naming it; nothing runs and no session is written", async () => {
    const rx = await startHttpReceiver();
    receivers.push(rx);
    const r = await run(
      otel(`{ otlp-http = { endpoint = "${rx.url}", headers = { "x-key" = "\${NOT_SET_ANYWHERE}" } } }`),
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'otel exporter header "x-key" uses ${NOT_SET_ANYWHERE}, which is not set in the environment',
    );
    expect(r.requests).toEqual([]);
    expect(rx.raw).toEqual([]);
    expect(() => readdirSync(join(r.home, "sessions"))).toThrow();
  });

  it("exporter = none keeps the agent working and sends nothing; the transcript records each approval decision and its source", async () => {
    const r = await run(otel('"none"'));
    expect(r.code, r.stderr).toBe(0);
    const dir = join(r.home, "sessions");
    const files = readdirSync(dir, { recursive: true }).filter((f) => String(f).endsWith(".jsonl"));
    const lines = readFileSync(join(dir, String(files[0])), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.filter((l) => l.type === "approval").map(({ at: _at, ...rest }) => rest)).toEqual([
      {
        type: "approval",
        call_id: "c1",
        decision: "auto",
        source: "config",
        reason: "runs in the workspace-write sandbox",
      },
    ]);
  });

  it("cordon doctor and cordon firewall status name a collector (and an HTTP MCP server) the firewall does not allow", async () => {
    const { ws, home } = agentWorkspace(fx, "ws-egress", {
      extra: `\n[otel]\nexporter = { otlp-http = { endpoint = "https://collector.test/v1/logs" } }\n[mcp_servers.tracker]\nurl = "https://mcp.allowed.test/mcp"\n`,
    });
    const stateFile = join(fx.base, "firewall-state.json");
    writeFileSync(
      stateFile,
      JSON.stringify({
        phase: "enforce",
        updatedAt: "2026-11-29T00:00:00Z",
        allowlist: "/etc/cordon/allowlist.toml",
        resolvers: [],
        names: { "mcp.allowed.test": { addresses: [], chain: [], required: false, problems: [], dropped: [] } },
        wildcards: [],
        cidrs: [],
        hostPorts: [],
        selfCheck: [],
      }),
    );
    const env = { ...cliEnv(fx.base, home), CORDON_FIREWALL_STATE: stateFile };
    const doctor = await execa("node", [CLI, "doctor", "--json"], { cwd: ws, env, extendEnv: false, reject: false });
    const blocked =
      "collector.test is not on the firewall allowlist (/etc/cordon/allowlist.toml); add it to .devcontainer/allowlist.toml and rebuild the container, or connections to it are blocked";
    expect((JSON.parse(doctor.stdout) as { egress: unknown }).egress).toEqual([
      { what: "telemetry collector ([otel])", url: "https://collector.test/v1/logs", blocked },
      { what: "MCP server tracker", url: "https://mcp.allowed.test/mcp", blocked: null },
    ]);
    const status = await execa("node", [CLI, "firewall", "status"], { cwd: ws, env, extendEnv: false, reject: false });
    expect(status.stdout).toContain(
      `telemetry collector ([otel]) at https://collector.test/v1/logs: BLOCKED: ${blocked}`,
    );
    expect(status.stdout).toContain("MCP server tracker at https://mcp.allowed.test/mcp: allowed");
  });

  it("Ctrl-C during a turn still flushes what was recorded before exiting 130", async () => {
    const rx = await startHttpReceiver();
    receivers.push(rx);
    const { ws, home } = agentWorkspace(fx, "ws-sigint", {
      extra: otel(`{ otlp-http = { endpoint = "${rx.url}", protocol = "json" } }`),
    });
    fx.model.reset();
    fx.model.push({ hang: true });
    const child = execa("node", [CLI, "exec", "--json", "think"], {
      cwd: ws,
      env: cliEnv(fx.base, home),
      extendEnv: false,
      reject: false,
      timeout: 30_000,
      stdin: "ignore",
    });
    for (let i = 0; i < 100 && fx.model.requests.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    child.kill("SIGINT");
    const r = await child;
    expect(r.exitCode).toBe(130);
    expect(names(rx)).toEqual(expect.arrayContaining(["cordon.conversation_starts", "cordon.user_prompt"]));
  });
});
