// The agent end to end: the built CLI, a scripted OpenAI-compatible server
// over real HTTP on loopback, and the real sandbox (bwrap). Each run is one
// `cordon exec --json`; the server records what the agent sent back.
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import http from "node:http";
import net, { type AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { beforeEach, describe, expect, it } from "vitest";
import {
  agentWorkspace,
  CLI,
  cliEnv,
  outputFor,
  runExec,
  useAgentFixture,
  writeModelConfig,
  type Ev,
} from "../support/agent-cli.js";
import { chat, patchCall, responses, shellCall, type Step } from "../support/scripted-model.js";

const fx = useAgentFixture("cordon-agent-");
let ws: string;
let home: string;

const env = (extra: Record<string, string> = {}) => cliEnv(fx.base, home, extra);
const writeConfig = (extra = "", wire: "responses" | "chat" = "responses") =>
  writeModelConfig(home, fx.model.url, { extra, wire });

async function exec(args: string[], steps: Step[], opts: { input?: string; env?: Record<string, string> } = {}) {
  return runExec(fx, { ws, home, args, steps, ...opts });
}

const done = responses("All done.");

beforeEach(() => {
  ({ ws, home } = agentWorkspace(fx, `ws-${Math.random().toString(36).slice(2, 8)}`));
  writeFileSync(join(ws, "README.md"), "hello\n");
});

describe("cordon exec against a scripted model", () => {
  it("streams text, runs a tool call in the workspace-write sandbox, and sends the output back", async () => {
    const r = await exec(
      ["create out.txt"],
      [
        responses("Let me do that.", [
          { id: "c1", name: "shell", args: { command: ["bash", "-lc", "echo hi > out.txt && cat out.txt"] } },
        ]),
        done,
      ],
    );
    expect(r.code, r.stderr).toBe(0);
    const types = r.events.map((e) => e.type);
    expect(types[0]).toBe("session.started");
    expect(types).toContain("agent_message.delta");
    expect(r.events.find((e) => e.type === "command.proposed")).toMatchObject({
      command: ["bash", "-lc", "echo hi > out.txt && cat out.txt"],
      workdir: ws,
      sandbox: "workspace-write sandbox",
    });
    expect(r.events.find((e) => e.type === "command.finished")).toMatchObject({ exit_code: 0, output: "hi\n" });
    expect(types.at(-1)).toBe("turn.completed");
    expect(readFileSync(join(ws, "out.txt"), "utf8")).toBe("hi\n");
    expect(outputFor(r.requests, "c1")).toMatchObject({ exit_code: 0, output: "hi\n" });
    expect(r.requests[0]?.path).toBe("/v1/responses");
    expect((r.requests[0]?.body.tools as { name?: string; type: string }[]).map((t) => t.name ?? t.type)).toEqual([
      "shell",
      "apply_patch",
      "web_search",
    ]);
  });

  // policy x command kind -> ran / asked (denied: no terminal) / refused
  const kinds: Record<string, { cmd: string[]; extra?: Record<string, unknown>; marker?: string }> = {
    safe: { cmd: ["ls"] },
    write: { cmd: ["touch", "made.txt"], marker: "made.txt" },
    dangerous: { cmd: ["sudo", "true"] },
    escalate: {
      cmd: ["touch", "esc.txt"],
      extra: { with_escalated_permissions: true, justification: "needs it" },
      marker: "esc.txt",
    },
  };
  const table: [string, string, "ran" | "asked" | "refused"][] = [
    ["untrusted", "safe", "ran"],
    ["untrusted", "write", "asked"],
    ["untrusted", "dangerous", "asked"],
    ["untrusted", "escalate", "asked"],
    ["on-request", "safe", "ran"],
    ["on-request", "write", "ran"],
    ["on-request", "dangerous", "asked"],
    ["on-request", "escalate", "asked"],
    ["never", "safe", "ran"],
    ["never", "write", "ran"],
    ["never", "dangerous", "refused"],
    ["never", "escalate", "refused"],
  ];
  it.each(table)("approval %s, %s command -> %s", async (policy, kind, want) => {
    const k = kinds[kind] as (typeof kinds)[string];
    const r = await exec(["-a", policy, "go"], [shellCall("c1", k.cmd, k.extra), done]);
    expect(r.code, r.stderr).toBe(0);
    const decided = r.events.find((e) => e.type === "approval.decided") as Ev;
    const asked = r.events.some((e) => e.type === "approval.requested");
    const ran = r.events.some((e) => e.type === "command.finished");
    const got = ran ? "ran" : asked ? "asked" : "refused";
    expect(got, JSON.stringify(decided)).toBe(want);
    const out = outputFor(r.requests, "c1") as Record<string, unknown>;
    if (want === "asked") expect(out.error).toMatch(/the user denied this: no one can approve in `cordon exec`/);
    if (want === "refused") expect(out.error).toMatch(/refused by the approval policy/);
    if (k.marker) expect(existsSync(join(ws, k.marker))).toBe(want === "ran");
  });

  it("applies a patch inside the workspace; one outside asks for that path (denied without a terminal); one on .git is refused; nothing written", async () => {
    const good =
      "*** Begin Patch\n*** Add File: src/new.ts\n+export const x = 1;\n*** Update File: README.md\n@@\n-hello\n+hello, world\n*** End Patch\n";
    const r = await exec(["edit"], [patchCall("p1", good), done]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(ws, "src/new.ts"), "utf8")).toBe("export const x = 1;\n");
    expect(readFileSync(join(ws, "README.md"), "utf8")).toBe("hello, world\n");
    expect(outputFor(r.requests, "p1")).toMatchObject({ ok: true });

    const before = readFileSync(join(ws, ".git/config"), "utf8");
    const outside =
      "*** Begin Patch\n*** Add File: inside.txt\n+fine\n*** Add File: ../outside.txt\n+no\n*** End Patch\n";
    const git = "*** Begin Patch\n*** Update File: .git/config\n@@\n [core]\n+\thooksPath = /tmp/evil\n*** End Patch\n";
    const r2 = await exec(["edit more"], [patchCall("p2", outside), patchCall("p3", git), done]);
    expect(r2.code).toBe(0);
    expect(outputFor(r2.requests, "p2")?.error).toMatch(/the user denied this: no one can approve/);
    expect(r2.events.find((e) => e.type === "patch.proposed" && e.call_id === "p2")).toMatchObject({
      sandbox: `workspace-write sandbox + ${fx.base} writable`,
    });
    expect(outputFor(r2.requests, "p3")?.error).toMatch(/inside \.git, which is protected/);
    expect(existsSync(join(ws, "inside.txt"))).toBe(false); // the good half of a refused patch is not written either
    expect(existsSync(join(fx.base, "outside.txt"))).toBe(false);
    expect(readFileSync(join(ws, ".git/config"), "utf8")).toBe(before);
  });

  it("reports a sandbox denial back to the model with the rule that blocked it", async () => {
    const r = await exec(["escape"], [shellCall("c1", ["bash", "-lc", "echo x > ../escape.txt"]), done]);
    expect(r.code).toBe(0);
    const out = outputFor(r.requests, "c1") as { exit_code: number; sandbox_denials: string[]; hint: string };
    expect(out.exit_code).not.toBe(0);
    expect(out.sandbox_denials.join("\n")).toMatch(/read-only root: .*escape\.txt is outside the writable roots/);
    expect(out.hint).toMatch(/with_escalated_permissions/);
    expect(existsSync(join(fx.base, "escape.txt"))).toBe(false);
  });

  it("waits as Retry-After says on 429, then completes", async () => {
    const t0 = Date.now();
    const r = await exec(["hi"], [{ status: 429, headers: { "retry-after": "1" } }, responses("Hello!")]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.events.find((e) => e.type === "model.retrying")).toMatchObject({
      attempt: 2,
      delay_ms: 1000,
      reason: expect.stringMatching(/429/) as unknown,
    });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
    expect(r.events.find((e) => e.type === "agent_message")).toMatchObject({ text: "Hello!" });
    expect(r.requests).toHaveLength(2);
  });

  it("retries a stream cut mid-way, and nothing of the broken attempt enters the conversation", async () => {
    const cut = {
      ...(responses("PARTIAL ANSWER that breaks", [
        { id: "bad", name: "shell", args: { command: ["touch", "never.txt"] } },
      ]) as { sse: string[] }),
      cutAfter: 3,
    };
    const r = await exec(["hi"], [cut, responses("Whole answer.")]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.events.find((e) => e.type === "model.retrying")).toMatchObject({
      reason: expect.stringMatching(/broke off|ended before/) as unknown,
    });
    expect(r.events.filter((e) => e.type === "agent_message")).toEqual([
      { type: "agent_message", text: "Whole answer." },
    ]);
    expect(existsSync(join(ws, "never.txt"))).toBe(false);
    const session = readdirSync(join(home, "sessions"), { recursive: true }).find((f) =>
      String(f).endsWith(".jsonl"),
    ) as string;
    expect(readFileSync(join(home, "sessions", session), "utf8")).not.toContain("PARTIAL");
  });

  it("fails the turn with a clear error when the server keeps failing, and exits 1", async () => {
    const r = await exec(
      ["hi"],
      Array.from({ length: 5 }, () => ({ status: 503 })),
    );
    expect(r.code).toBe(1);
    expect(r.events.at(-1)).toMatchObject({
      type: "turn.failed",
      error: expect.stringMatching(/503 .*gave up after 5 attempts/) as unknown,
    });
  }, 90_000);

  it("shows a refusal as the model's answer and completes the turn", async () => {
    const refusal = {
      sse: [
        `event: response.refusal.delta\ndata: ${JSON.stringify({ type: "response.refusal.delta", delta: "I can't help with that." })}\n\n`,
        `event: response.completed\ndata: ${JSON.stringify({ type: "response.completed" })}\n\n`,
      ],
    };
    const r = await exec(["do something bad"], [refusal]);
    expect(r.code).toBe(0);
    expect(r.events.find((e) => e.type === "agent_message")).toMatchObject({ text: "I can't help with that." });
  });

  it("goes through the HTTP proxy named in the environment", async () => {
    const seen: string[] = [];
    // undici tunnels through the proxy with CONNECT, for http targets too.
    const proxy = http.createServer((_req, res) => res.writeHead(405).end());
    proxy.on("connect", (req: http.IncomingMessage, client: Duplex) => {
      seen.push(`${req.method} ${req.url}`);
      const [host, port] = (req.url as string).split(":");
      const up = net.connect(Number(port), host as string, () => {
        client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
        up.pipe(client);
        client.pipe(up);
      });
      up.on("error", () => client.destroy());
      client.on("error", () => up.destroy());
    });
    await new Promise<void>((ok) => proxy.listen(0, "127.0.0.1", ok));
    try {
      const r = await exec(["hi"], [responses("via proxy")], {
        env: { HTTP_PROXY: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, NO_PROXY: "" },
      });
      expect(r.code, r.stderr).toBe(0);
      expect(seen).toEqual([`CONNECT ${new URL(fx.model.url).host}`]);
    } finally {
      proxy.closeAllConnections();
      proxy.close();
    }
  });

  it("does not retry a 400, and says what the server said", async () => {
    const r = await exec(
      ["hi"],
      [{ status: 400, body: JSON.stringify({ error: { message: "model not found: test-model" } }) }],
    );
    expect(r.code).toBe(1);
    expect(r.events.at(-1)).toMatchObject({
      type: "turn.failed",
      error: expect.stringMatching(/400 .*model not found: test-model/) as unknown,
    });
    expect(r.requests).toHaveLength(1);
  });

  it("speaks Chat Completions to OpenAI-compatible servers, with tool calls in pieces", async () => {
    writeConfig("", "chat");
    const r = await exec(
      ["list"],
      [chat("Looking.", { id: "t1", name: "shell", args: { command: ["cat", "README.md"] } }), chat("It says hello.")],
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.requests[0]?.path).toBe("/v1/chat/completions");
    expect(outputFor(r.requests, "t1")).toMatchObject({ exit_code: 0, output: "hello\n" });
    const msgs = r.requests[1]?.body.messages as { role: string; tool_calls?: unknown[] }[];
    expect(msgs.map((m) => m.role)).toEqual(["system", "user", "assistant", "tool"]);
    expect(r.events.find((e) => e.type === "agent_message" && e.text === "It says hello.")).toBeTruthy();
  });

  it("names the variable to set when the API key is missing, and exits 2 without calling the server", async () => {
    writeFileSync(
      join(home, "config.toml"),
      `model_provider = "keyed"\n[model_providers.keyed]\nbase_url = "${fx.model.url}"\nenv_key = "CORDON_TEST_KEY"\n`,
    );
    const r = await exec(["hi"], []);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/set the environment variable CORDON_TEST_KEY/);
    expect(r.requests).toHaveLength(0);
    const ok = await exec(["hi"], [responses("ok")], { env: { CORDON_TEST_KEY: "sk-test" } });
    expect(ok.code).toBe(0);
  });

  it("rejects a malformed config naming file, line and key, and runs nothing", async () => {
    writeFileSync(join(home, "config.toml"), `model = "m"\napproval_policy = "sometimes"\n`);
    const r = await exec(["hi"], []);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/config\.toml: invalid configuration/);
    expect(r.stderr).toMatch(/line 2.*approval_policy/);
    expect(r.requests).toHaveLength(0);
  });

  it("maps --full-auto with a deprecation warning, and --yolo to no sandbox", async () => {
    const a = await exec(["--full-auto", "-a", "untrusted", "go"], [responses("ok")]);
    expect(a.stderr).toMatch(/--full-auto is deprecated/);
    expect(a.events[0]).toMatchObject({ sandbox: "workspace-write", approval_policy: "untrusted" });
    const y = await exec(["--yolo", "go"], [shellCall("c1", ["touch", "../yolo.txt"]), done]);
    expect(y.events[0]).toMatchObject({ sandbox: "danger-full-access", approval_policy: "never" });
    expect(existsSync(join(fx.base, "yolo.txt"))).toBe(true);
  });

  it("reads the prompt from stdin with '-'", async () => {
    const r = await exec(["-"], [responses("ok")], { input: "what is here?\n" });
    expect(r.code).toBe(0);
    const input = r.requests[0]?.body.input as { content: { text: string }[] }[];
    expect(input[0]?.content[0]?.text).toBe("what is here?\n");
  });

  it("resumes a session after the process was killed mid-turn", async () => {
    fx.model.requests.length = 0;
    fx.model.push(responses("Starting.", [{ id: "k1", name: "shell", args: { command: ["sleep", "30"] } }]));
    const child = spawn("node", [CLI, "exec", "--json", "first request"], {
      cwd: ws,
      env: env(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    for (let i = 0; i < 100 && !out.includes("command.proposed"); i++) await new Promise((r) => setTimeout(r, 100));
    child.kill("SIGKILL");
    await new Promise((r) => child.on("close", r));
    const id = (JSON.parse(out.split("\n")[0] as string) as { session_id: string }).session_id;
    const r = await exec(["--resume", id.slice(0, 8), "go on"], [responses("Resumed.")]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.events[0]).toMatchObject({ type: "session.started", session_id: id, resumed: true });
    const input = r.requests[0]?.body.input as {
      type: string;
      role?: string;
      call_id?: string;
      output?: string;
      content?: { text: string }[];
    }[];
    expect(input.map((x) => x.type)).toEqual([
      "message",
      "message",
      "function_call",
      "function_call_output",
      "message",
    ]);
    expect(input[0]?.content?.[0]?.text).toBe("first request");
    expect(input[3]?.output).toMatch(/not run: the session ended/);
    expect(input[4]?.content?.[0]?.text).toBe("go on");
    const last = await exec(["--resume-last", "and again"], [responses("Again.")]);
    expect(last.events[0]).toMatchObject({ session_id: id });
  });
});
