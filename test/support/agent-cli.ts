// What the agent's end-to-end tests share: the built CLI, a scripted model
// server and a scratch directory for the file, a private environment for
// each run, and a git workspace with a config that points at the model.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { execa } from "execa";
import { startScriptedModel, type ScriptedModel, type Step } from "./scripted-model.js";

export const CLI = new URL("../../dist/bundle/agent/cli/main.js", import.meta.url).pathname;

export interface AgentFixture {
  /** Scratch directory under /var/tmp (bwrap needs a real filesystem, not tmpfs). */
  base: string;
  model: ScriptedModel;
}

/** Registers beforeAll/afterAll for the file; the fields are filled once beforeAll ran. */
export function useAgentFixture(prefix: string): AgentFixture {
  const f = { base: "", model: null as unknown as ScriptedModel };
  beforeAll(async () => {
    f.base = mkdtempSync(`/var/tmp/${prefix}`);
    mkdirSync(join(f.base, "tmp"));
    mkdirSync(join(f.base, "userhome"));
    f.model = await startScriptedModel();
  });
  afterAll(async () => {
    await f.model.close();
    rmSync(f.base, { recursive: true, force: true });
  });
  return f;
}

/** The CLI's environment: HOME, CORDON_HOME and TMPDIR of its own; the loopback model never through a proxy. */
export function cliEnv(base: string, home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: join(base, "userhome"),
    CORDON_HOME: home,
    TMPDIR: join(base, "tmp"),
    NO_PROXY: "127.0.0.1,localhost",
    ...extra,
  };
}

export function writeModelConfig(
  home: string,
  modelUrl: string,
  o: { model?: string; wire?: "responses" | "chat"; extra?: string } = {},
): void {
  mkdirSync(home, { recursive: true });
  writeFileSync(
    join(home, "config.toml"),
    `model = "${o.model ?? "test-model"}"\nmodel_provider = "scripted"\n${o.extra ?? ""}\n[model_providers.scripted]\nbase_url = "${modelUrl}"\nwire_api = "${o.wire ?? "responses"}"\n`,
  );
}

/** A fresh git workspace and CORDON_HOME under the fixture's base, configured for its model. */
export function agentWorkspace(
  f: AgentFixture,
  name: string,
  config: Parameters<typeof writeModelConfig>[2] = {},
): { ws: string; home: string } {
  const ws = join(f.base, name);
  const home = join(f.base, `${name}-home`);
  mkdirSync(ws, { recursive: true });
  execFileSync("git", ["init", "-q", ws]);
  writeModelConfig(home, f.model.url, config);
  return { ws, home };
}

/** The function_call_output the agent sent back for a call, parsed. */
export function outputFor(requests: ScriptedModel["requests"], callId: string): Record<string, unknown> | null {
  for (const r of requests) {
    const input = (r.body.input ?? r.body.messages) as {
      type?: string;
      call_id?: string;
      tool_call_id?: string;
      output?: string;
      content?: string;
      role?: string;
    }[];
    const hit = input.find(
      (x) =>
        (x.type === "function_call_output" && x.call_id === callId) || (x.role === "tool" && x.tool_call_id === callId),
    );
    if (hit) return JSON.parse((hit.output ?? hit.content) as string) as Record<string, unknown>;
  }
  return null;
}

/** One event of `cordon exec --json`. */
export interface Ev {
  type: string;
  [k: string]: unknown;
}

/**
 * One `cordon exec --json ARGS` in `ws` with the model scripted by `steps`:
 * exit status, events, stderr and the requests the model server received.
 */
export async function runExec(
  f: AgentFixture,
  o: { ws: string; home: string; args: string[]; steps: Step[]; env?: Record<string, string>; input?: string },
) {
  f.model.reset();
  f.model.push(...o.steps);
  const r = await execa("node", [CLI, "exec", "--json", ...o.args], {
    cwd: o.ws,
    env: cliEnv(f.base, o.home, o.env),
    extendEnv: false,
    reject: false,
    timeout: 60_000,
    ...(o.input !== undefined ? { input: o.input } : { stdin: "ignore" as const }),
  });
  const events = r.stdout
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Ev);
  return { code: r.exitCode, events, stderr: r.stderr, requests: [...f.model.requests] };
}
