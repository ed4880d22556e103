// MCP tools end to end: `cordon exec --json` with the scripted model calling
// the test MCP server's tools (stdio, in its own bwrap sandbox). What the
// model is offered, what runs, what is refused or declined, and what the
// model gets back.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { agentWorkspace, outputFor, runExec, useAgentFixture } from "../support/agent-cli.js";
import { responses, type Step } from "../support/scripted-model.js";

const SERVER = new URL("../fixtures/mcp/notes-server.mjs", import.meta.url).pathname;
const fx = useAgentFixture("cordon-agent-mcp-");
let ws: string;
let home: string;

const notes = (extra = "") => `\n[mcp_servers.notes]\ncommand = "node"\nargs = ["${SERVER}"]\n${extra}\n`;
const call = (id: string, name: string, args: unknown = {}) => responses("", [{ id, name, args }]);
const done = responses("All done.");

function setup(mcp: string) {
  ({ ws, home } = agentWorkspace(fx, `ws-${Math.random().toString(36).slice(2, 8)}`, { extra: mcp }));
  writeFileSync(join(ws, "notes.txt"), "hello\n");
}

async function exec(args: string[], steps: Step[]) {
  return runExec(fx, { ws, home, args: [...args, "go"], steps, env: { OPENAI_API_KEY: "sk-planted-in-cordon-env" } });
}

beforeEach(() => setup(notes('sandbox_mode = "workspace-write"')));

describe("MCP tools through cordon exec", () => {
  it("offers the server's tools with their schemas and runs a read-only one without asking", async () => {
    const r = await exec([], [call("c1", "notes__read_note"), done]);
    expect(r.code).toBe(0);
    const tools = (r.requests[0]?.body.tools ?? []) as { name: string; description: string; parameters: unknown }[];
    expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(["shell", "apply_patch", "notes__read_note"]));
    expect(tools.find((t) => t.name === "notes__append_note")).toMatchObject({
      description: "[MCP server notes, tool append_note; changes things] Appends a line to notes.txt",
      parameters: { type: "object", properties: { line: { type: "string" } }, required: ["line"] },
    });
    expect(outputFor(r.requests, "c1")).toEqual({ ok: true, output: "hello\n" });
    expect(r.events.filter((e) => e.type.startsWith("mcp.") || e.type === "approval.decided")).toEqual([
      {
        type: "mcp.proposed",
        call_id: "c1",
        server: "notes",
        tool: "read_note",
        arguments: "{}",
        runs: "workspace-write sandbox, no network",
      },
      {
        type: "approval.decided",
        call_id: "c1",
        decision: "auto",
        source: "config",
        reason: "the MCP server marks this tool read-only",
      },
      { type: "mcp.finished", call_id: "c1", ok: true, output: "hello\n" },
    ]);
  });

  it("a side-effecting tool asks, so exec denies it and the file stays; never refuses it; --yolo runs it", async () => {
    const denied = await exec([], [call("c1", "notes__append_note", { line: "x" }), done]);
    expect(outputFor(denied.requests, "c1")?.ok).toBe(false);
    expect(String(outputFor(denied.requests, "c1")?.error)).toMatch(/^the user denied this: no one can approve/);
    const refused = await exec(["-a", "never"], [call("c1", "notes__append_note", { line: "x" }), done]);
    expect(outputFor(refused.requests, "c1")).toEqual({
      ok: false,
      error:
        'refused by the approval policy: the MCP tool may change things (its server does not mark it read-only); approval policy "never" does not ask',
    });
    expect(readFileSync(join(ws, "notes.txt"), "utf8")).toBe("hello\n");
    const yolo = await exec(["--yolo"], [call("c1", "notes__append_note", { line: "x" }), done]);
    expect(outputFor(yolo.requests, "c1")).toEqual({ ok: true, output: "appended" });
    expect(readFileSync(join(ws, "notes.txt"), "utf8")).toBe("hello\nx\n");
  });

  it("an execpolicy rule allows a server's tool by name, or forbids it", async () => {
    mkdirSync(join(home, "rules"), { recursive: true });
    writeFileSync(
      join(home, "rules", "default.rules"),
      'prefix_rule(pattern = ["@mcp", "notes", "append_note"], decision = "allow")\n' +
        'prefix_rule(pattern = ["@mcp", "notes", "read_note"], decision = "forbidden", justification = "notes are private")\n',
    );
    const r = await exec(
      [],
      [call("c1", "notes__append_note", { line: "ruled" }), call("c2", "notes__read_note"), done],
    );
    expect(outputFor(r.requests, "c1")).toEqual({ ok: true, output: "appended" });
    expect(outputFor(r.requests, "c2")).toEqual({
      ok: false,
      error: "refused by the approval policy: forbidden by an execpolicy rule: notes are private",
    });
    expect(readFileSync(join(ws, "notes.txt"), "utf8")).toBe("hello\nruled\n");
  });

  it("declines an elicitation in exec (nobody to answer) and says so", async () => {
    const r = await exec([], [call("c1", "notes__ask_color"), done]);
    expect(outputFor(r.requests, "c1")).toEqual({ ok: true, output: '{"action":"decline"}' });
    expect(r.events.find((e) => e.type === "mcp.elicitation")).toEqual({
      type: "mcp.elicitation",
      server: "notes",
      message: "Pick a colour",
      action: "decline",
      reason: "no one can answer in `cordon exec` (no terminal)",
    });
  });

  it("cordon's secrets never reach the server", async () => {
    const r = await exec([], [call("c1", "notes__environment"), done]);
    const out = outputFor(r.requests, "c1") as { ok: boolean; output: string };
    expect(out.ok).toBe(true);
    expect(out.output.split(",")).toContain("PATH");
    expect(JSON.stringify(out)).not.toContain("sk-planted-in-cordon-env");
    expect(out.output).not.toContain("OPENAI_API_KEY");
  });

  it("the server's own sandbox holds even when the agent runs with full access (--yolo)", async () => {
    const hook = join(ws, ".git", "hooks", "pre-commit");
    const r = await exec(
      ["--yolo"],
      [
        call("c1", "notes__write_file", { path: hook, text: "evil" }),
        call("c2", "notes__write_file", { path: join(ws, "ok.txt"), text: "fine" }),
        done,
      ],
    );
    expect(outputFor(r.requests, "c1")).toEqual({ ok: false, output: "error EROFS" });
    expect(outputFor(r.requests, "c2")).toEqual({ ok: true, output: "written" });
    expect(existsSync(hook)).toBe(false);
    expect(readFileSync(join(ws, "ok.txt"), "utf8")).toBe("fine");
  });

  it("a server that fails to start is a warning; the turn goes on without its tools", async () => {
    setup(`\n[mcp_servers.broken]\ncommand = "/nonexistent/server"\n`);
    const r = await exec([], [done]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: MCP server broken did not start: .*; its tools are not offered/);
    const tools = (r.requests[0]?.body.tools ?? []) as { name: string }[];
    expect(tools.map((t) => t.name).filter(Boolean)).toEqual(["shell", "apply_patch"]);
  });

  it("a command never sees the credentials cordon uses for MCP servers and telemetry, whatever its policy", async () => {
    setup(
      `\n[shell_environment_policy]\nignore_default_excludes = true\n[mcp_servers.tracker]\nurl = "http://127.0.0.1:9/mcp"\nbearer_token_env_var = "TRACKER_AUTH"\n[otel]\nexporter = { otlp-http = { endpoint = "http://127.0.0.1:9", headers = { "x-k" = "\${COLLECTOR_AUTH}" } } }\n`,
    );
    const r = await runExec(fx, {
      ws,
      home,
      args: ["go"],
      steps: [responses("", [{ id: "c1", name: "shell", args: { command: ["env"] } }]), done],
      env: { TRACKER_AUTH: "mcp-bearer-123456", COLLECTOR_AUTH: "collector-secret-987", VISIBLE_TOKEN: "shown" },
    });
    const out = String(outputFor(r.requests, "c1")?.output);
    expect(out).toContain("VISIBLE_TOKEN=shown"); // the default excludes are off, as configured
    expect(out).not.toMatch(/TRACKER_AUTH|COLLECTOR_AUTH|mcp-bearer-123456|collector-secret-987/);
  });
});
