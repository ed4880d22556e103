// MCP servers for real: the SDK's own server (test/fixtures/mcp) over stdio
// inside cordon's bwrap sandbox and over streamable HTTP on loopback. Each
// test shows what a server may do and what its sandbox stops, as a hostile
// server would try it.
import { spawn, type ChildProcess } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createServer, type Server } from "node:net";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../agent/config/load.js";
import type { SandboxMode } from "../../agent/config/schema.js";
import { McpHub } from "../../agent/mcp/hub.js";
import { policyFromEnvironment } from "../../agent/sandbox/from-environment.js";
import { runSandboxed } from "../../agent/sandbox/run.js";

const SERVER = new URL("../fixtures/mcp/notes-server.mjs", import.meta.url).pathname;
let base = "";
let ws = "";
let home = "";
let listener: Server;
let port = 0;
const hubs: McpHub[] = [];

beforeAll(async () => {
  base = mkdtempSync("/var/tmp/cordon-mcp-");
  ws = join(base, "ws");
  home = join(base, "cordon-home");
  mkdirSync(join(ws, ".git"), { recursive: true });
  writeFileSync(join(ws, ".git", "config"), "[core]\n");
  mkdirSync(home, { mode: 0o700 });
  writeFileSync(join(home, "config.toml"), "# cordon's own\n");
  process.env.CORDON_HOME = home;
  process.env.NO_PROXY = "127.0.0.1,localhost";
  listener = createServer((s) => s.end());
  await new Promise<void>((r) => listener.listen(0, "127.0.0.1", r));
  port = (listener.address() as AddressInfo).port;
});
afterAll(async () => {
  await Promise.all(hubs.map((h) => h.close()));
  listener.close();
  rmSync(base, { recursive: true, force: true });
});

async function hubFor(toml: string, o: { mode?: SandboxMode; env?: NodeJS.ProcessEnv } = {}) {
  writeFileSync(join(ws, "notes.txt"), "hello\n");
  const config = parseConfig(toml, "test config.toml", []);
  const session = policyFromEnvironment({ cwd: ws, sandboxMode: o.mode ?? "workspace-write" }, config);
  const warnings: string[] = [];
  const hub = await McpHub.start(
    config.mcp_servers,
    { config, session, cordonHome: home, env: o.env ?? process.env },
    (w) => warnings.push(w),
  );
  hubs.push(hub);
  const call = async (name: string, args: Record<string, unknown> = {}) => {
    const t = hub.find(name);
    if (!t) throw new Error(`no tool ${name}`);
    return JSON.parse(await hub.call(t, args, new AbortController().signal)) as {
      ok: boolean;
      output?: string;
      error?: string;
      structured?: Record<string, unknown>;
    };
  };
  return { hub, warnings, call };
}

const stdio = (name: string, extra = "") => `[mcp_servers.${name}]\ncommand = "node"\nargs = ["${SERVER}"]\n${extra}\n`;

describe("a stdio server in its own sandbox", () => {
  it("read-only by default: reads the workspace, cannot write it or anywhere else, and has no network unless configured", async () => {
    const { hub, call, warnings } = await hubFor(stdio("ro") + stdio("net", "network_access = true"));
    expect(warnings).toEqual([]);
    expect(hub.where("ro")).toBe("read-only sandbox, no network");
    expect(hub.where("net")).toBe("read-only sandbox, network on");
    expect(await call("ro__read_note")).toEqual({ ok: true, output: "hello\n" });
    expect(await call("ro__append_note", { line: "x" })).toEqual({ ok: false, output: "error EROFS" });
    const outside = join(base, "outside.txt");
    expect(await call("ro__write_file", { path: outside, text: "x" })).toEqual({ ok: false, output: "error EROFS" });
    expect((await call("ro__connect", { port })).output).toMatch(/^error E(PERM|ACCES)/);
    expect(await call("net__connect", { port })).toEqual({ ok: true, output: "connected" });
    expect(readFileSync(join(ws, "notes.txt"), "utf8")).toBe("hello\n");
    expect(existsSync(outside)).toBe(false);
  });

  it("workspace-write: writes the workspace, never .git, cordon's home or outside; a sandboxed command in between opens no gap", async () => {
    const { call } = await hubFor(stdio("rw", 'sandbox_mode = "workspace-write"'));
    expect(await call("rw__append_note", { line: "added" })).toEqual({ ok: true, output: "appended" });
    expect(readFileSync(join(ws, "notes.txt"), "utf8")).toBe("hello\nadded\n");
    expect(await call("rw__write_file", { path: join(ws, ".git", "config"), text: "[core]\nhooksPath=/x\n" })).toEqual({
      ok: false,
      output: "error EROFS",
    });
    expect((await call("rw__read_file", { path: join(home, "config.toml") })).ok).toBe(false);
    expect((await call("rw__write_file", { path: join(home, "config.toml"), text: "x" })).ok).toBe(false);
    // The agent's own sandboxed command runs (and finishes) while the server lives: the
    // placeholder that keeps .cordon from being created must stay in place for the server.
    const r = await runSandboxed(
      policyFromEnvironment({ cwd: ws, sandboxMode: "workspace-write" }, parseConfig("", "c", [])),
      ["true"],
      { explain: false, stdio: "pipe" },
    );
    expect(r.exitCode).toBe(0);
    expect((await call("rw__write_file", { path: join(ws, ".cordon", "config.toml"), text: "x" })).ok).toBe(false);
    expect(existsSync(join(ws, ".cordon", "config.toml"))).toBe(false);
    expect(readFileSync(join(ws, ".git", "config"), "utf8")).toBe("[core]\n");
    expect(readFileSync(join(home, "config.toml"), "utf8")).toBe("# cordon's own\n");
  });

  it("gets only basic variables, env_vars and env: no secret of cordon's environment", async () => {
    const env = { PATH: process.env.PATH, HOME: "/h", OPENAI_API_KEY: "sk-planted-secret", PASS_ME: "1", DROP_ME: "2" };
    const { call } = await hubFor(stdio("e", 'env_vars = ["PASS_ME"]\nenv = { SET_ME = "3" }'), { env });
    const r = await call("e__environment");
    expect(r.output?.split(",")).toEqual(expect.arrayContaining(["HOME", "PASS_ME", "PATH", "SET_ME"]));
    expect(r.output).not.toMatch(/OPENAI_API_KEY|DROP_ME/);
    expect(JSON.stringify(r)).not.toContain("sk-planted-secret");
  });

  it("a hung tool times out, a crash is a tool error, and the server is restarted once per turn", async () => {
    const { hub, call } = await hubFor(stdio("c", "tool_timeout_ms = 500"));
    expect(await call("c__slow", { ms: 5000 })).toEqual({
      ok: false,
      error: "MCP server c: slow did not answer within 500 ms (tool_timeout_ms)",
    });
    expect((await call("c__pid")).ok).toBe(true);
    const crashed = await call("c__crash");
    expect(crashed.ok).toBe(false);
    expect(crashed.error).toMatch(/^MCP server c (went away during the call|: crash failed)/);
    expect(hub.status()[0]?.state).toBe("exited");
    expect((await call("c__pid")).ok).toBe(true); // restarted
    await call("c__crash");
    expect(await call("c__pid")).toEqual({
      ok: false,
      error: "MCP server c is not running (MCP server c exited with status 3); it is restarted at most once per turn",
    });
    hub.beginTurn();
    expect((await call("c__pid")).ok).toBe(true);
    expect(readFileSync(join(home, "log", "mcp", "c.log"), "utf8")).toMatch(
      /notes server on stdio[\s\S]*exited with status 3/,
    );
  });

  it("a server that floods stderr cannot fill cordon's disk: one run keeps at most 8 MiB of it", async () => {
    const { call } = await hubFor(stdio("loud"));
    expect(await call("loud__shout", { mb: 12 })).toEqual({ ok: true, output: "shouted" });
    expect((await call("loud__pid")).ok).toBe(true); // still served after the flood
    const log = join(home, "log", "mcp", "loud.log");
    // stderr arrives beside the answer, not before it: wait (bounded) until the log stops growing.
    let size = -1;
    for (let i = 0; i < 50 && statSync(log).size !== size; i++) {
      size = statSync(log).size;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(size).toBeGreaterThan(7 << 20);
    expect(size).toBeLessThan((8 << 20) + 4096);
    expect(readFileSync(log, "utf8").trimEnd().split("\n").at(-1)).toBe(
      "--- MCP server loud: more than 8 MiB of stderr; the rest of this run is not kept",
    );
  });

  it("one server that does not start is reported and left out; the others start", async () => {
    const { hub, warnings } = await hubFor(
      `${stdio("good")}[mcp_servers.missing]\ncommand = "/nonexistent/mcp-server"\n[mcp_servers.mute]\ncommand = "sleep"\nargs = ["30"]\nstartup_timeout_ms = 300\n`,
    );
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(
      /^MCP server missing did not start: .*; its stderr is in .*missing\.log; its tools are not offered$/,
    );
    expect(warnings[1]).toMatch(/^MCP server mute: start-up did not finish within 300 ms \(startup_timeout_ms\)/);
    expect(hub.status().map((s) => [s.name, s.state])).toEqual([
      ["good", "ready"],
      ["missing", "failed"],
      ["mute", "failed"],
    ]);
    expect(new Set(hub.tools.map((t) => t.server))).toEqual(new Set(["good"]));
  });

  it('sandbox_mode = "none" is refused when the agent could rewrite what runs, and runs unsandboxed otherwise', async () => {
    copyFileSync(SERVER, join(ws, "planted.mjs"));
    const refused = await hubFor(`[mcp_servers.p]\ncommand = "node"\nargs = ["planted.mjs"]\nsandbox_mode = "none"\n`);
    expect(refused.warnings).toEqual([
      `MCP server p: sandbox_mode = "none" but its working directory ${ws} is inside ${ws}, which sandboxed commands can write: they could change what runs outside the sandbox. Install the server outside the writable roots and set cwd (e.g. cwd = "/"), or give it a sandbox_mode.; its tools are not offered`,
    ]);
    const refused2 = await hubFor(
      `[mcp_servers.p]\ncommand = "node"\nargs = ["${join(ws, "planted.mjs")}"]\nsandbox_mode = "none"\ncwd = "/"\n`,
    );
    expect(refused2.warnings[0]).toContain(`but ${join(ws, "planted.mjs")} is inside ${ws}`);
    const { hub, warnings, call } = await hubFor(stdio("free", `sandbox_mode = "none"\ncwd = "${base}"`));
    expect(warnings).toEqual([
      'MCP server free runs with no sandbox (sandbox_mode = "none"): it can do anything you can',
    ]);
    expect(hub.where("free")).toBe("no sandbox");
    expect(await call("free__write_file", { path: join(base, "free.txt"), text: "x" })).toEqual({
      ok: true,
      output: "written",
    });
  });

  it("an elicitation goes to the front end's handler, and its answer back to the server", async () => {
    const { hub, call } = await hubFor(stdio("ask"));
    const seen: unknown[] = [];
    hub.setElicitationHandler(async (r) => {
      seen.push(r);
      return { action: "accept", content: { color: "green", count: 2 } };
    });
    expect(await call("ask__ask_color")).toEqual({
      ok: true,
      output: JSON.stringify({ action: "accept", content: { color: "green", count: 2 } }),
    });
    expect(seen).toEqual([
      {
        server: "ask",
        message: "Pick a colour",
        requestedSchema: {
          type: "object",
          properties: { color: { type: "string", enum: ["red", "green"] }, count: { type: "integer" } },
          required: ["color"],
        },
      },
    ]);
  });
});

describe("a streamable HTTP server", () => {
  let server: ChildProcess;
  let url = "";
  beforeAll(async () => {
    server = spawn(process.execPath, [SERVER, "--http", "0"], {
      cwd: ws,
      env: { ...process.env, MCP_TEST_TOKEN: "tok-123" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    const line = await new Promise<string>((resolve) =>
      server.stdout?.once("data", (c: Buffer) => resolve(c.toString())),
    );
    url = `http://127.0.0.1:${(JSON.parse(line) as { port: number }).port}/mcp`;
  });
  afterAll(() => {
    server.kill();
  });

  it("is reached with the bearer token from the environment; a missing or wrong token is a clear start-up failure", async () => {
    const env = { ...process.env, GOOD_TOKEN: "tok-123", BAD_TOKEN: "nope" };
    const { hub, warnings, call } = await hubFor(
      `[mcp_servers.web]\nurl = "${url}"\nbearer_token_env_var = "GOOD_TOKEN"\n` +
        `[mcp_servers.nokey]\nurl = "${url}"\nbearer_token_env_var = "MISSING_TOKEN"\n` +
        `[mcp_servers.badkey]\nurl = "${url}"\nbearer_token_env_var = "BAD_TOKEN"\n`,
      { env },
    );
    expect(hub.where("web")).toBe(`HTTP ${url}`);
    expect(await call("web__read_note")).toEqual({ ok: true, output: "hello\n" });
    expect(warnings).toHaveLength(2);
    expect(warnings.find((w) => w.includes("nokey"))).toBe(
      "MCP server nokey: bearer_token_env_var names MISSING_TOKEN, which is not set in the environment; its tools are not offered",
    );
    expect(warnings.find((w) => w.includes("badkey"))).toMatch(/^MCP server badkey did not start: .*unauthorized/);
  });
});
