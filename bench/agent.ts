// bench/agent: the agent's own costs, each next to a named peer measured in
// the same run.
//  1. per tool call overhead: one call through the orchestrator (parse,
//     classify, rules, decide, sandboxed spawn of `true`), vs bare bwrap with
//     the same binds (model time excluded); classification of a
//     20-command script; the bash parser's start-up;
//  2. `cordon --version` cold start vs `node -e 0`;
//  3. peak RSS of one interactive process over a 50-turn scripted session
//     (each turn: a shell call in the sandbox, then text), vs an idle `node`.
//   npm run bench:agent
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadShellParser, parseBash } from "../agent/approvals/bash-parser.js";
import { dangerReason } from "../agent/approvals/dangerous.js";
import { decideApproval } from "../agent/approvals/approval-table.js";
import { commandFacts } from "../agent/approvals/shell-parse.js";
import { evaluate, parseRules } from "../agent/execpolicy/rules.js";
import { runToolCall, type ToolContext } from "../agent/tools/orchestrator.js";
import { defaultConfig } from "../agent/config/defaults.js";
import { policyFromEnvironment } from "../agent/sandbox/from-environment.js";
import { isSystemProgram } from "../agent/tools/runtime.js";
import { knownSafe } from "../agent/approvals/safe-commands.js";
import { prepareBwrap } from "../agent/sandbox/run.js";
import { responses, startScriptedModel } from "../test/support/scripted-model.js";
import { benchToolContext, benchWorkspace, withoutCordonFds } from "./tool-context.js";
import { summary } from "./summary.js";

const CLI = new URL("../dist/bundle/agent/cli/main.js", import.meta.url).pathname;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const { base, ws } = benchWorkspace("cordon-bench-agent-");

// 1. Tool call overhead: one call through the orchestrator (parse, classify, rules, decide, sandboxed spawn).
// The peer, as the issue sets it: bare bwrap with the same binds (the command line cordon builds
// for this policy, minus the seccomp and info fds only cordon passes), so the ratio is cordon's own
// cost: classification, rules, decision, facts, spawn.
const N = 30;
const signal = new AbortController().signal;
async function toolCalls(ctx: ToolContext): Promise<{ cordon: number[]; bare: number[] }> {
  const { argv: cordonArgv, bwrap } = await prepareBwrap(ctx.policy, ["true"]);
  const sameBinds = withoutCordonFds(cordonArgv);
  const cordon: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < N + 3; i++) {
    let t = performance.now();
    const out = JSON.parse(
      await runToolCall(ctx, { callId: "b", name: "shell", arguments: JSON.stringify({ command: ["true"] }) }, signal),
    ) as { exit_code: number; output: string };
    if (out.exit_code !== 0) throw new Error(`sandboxed true failed: ${out.output}`);
    if (i >= 3) cordon.push(performance.now() - t);
    t = performance.now();
    await new Promise<void>((res, rej) =>
      spawn(bwrap, sameBinds, { stdio: "ignore" }).on("close", (c) =>
        c === 0 ? res() : rej(new Error(`bwrap exit ${c}`)),
      ),
    );
    if (i >= 3) bare.push(performance.now() - t);
  }
  return { cordon, bare };
}
const ctx = benchToolContext(base, ws);
const { cordon, bare } = await toolCalls(ctx);
// The same with the workspace as the only writable root (Codex's `exclude_slash_tmp` and
// `exclude_tmpdir_env_var`): the .git and socket scans then cover the workspace's folders alone,
// not every folder this machine's shared /tmp holds.
const wsOnly = await toolCalls({
  ...ctx,
  policy: policyFromEnvironment(
    { cwd: ws, sandboxMode: "workspace-write" },
    {
      ...defaultConfig(),
      sandbox_workspace_write: {
        writable_roots: [],
        network_access: false,
        exclude_tmpdir_env_var: true,
        exclude_slash_tmp: true,
      },
    },
  ),
});
const tmpFolders = execFileSync("find", ["/tmp", "-xdev", "-type", "d"], {
  encoding: "utf8",
  stdio: ["ignore", "pipe", "ignore"],
})
  .trim()
  .split("\n").length;
// Parser start-up (WASM load): paid once per process, and only when a script needs it (part 1 ran plain argv).
const tLoad = performance.now();
await loadShellParser();
const parserMs = performance.now() - tLoad;
// Classification of a 20-command compound script (parse + known-safe + danger + rules + decision), after warm-up.
const script = Array.from({ length: 5 }, (_, k) => `git status && rg -n TODO${k} src | head -20; ls -la`).join("; ");
const argv20 = ["bash", "-lc", script];
const rules = parseRules('prefix_rule(pattern = ["git", "push"], decision = "prompt")\n', "bench.rules");
const classifyOnce = () => {
  const facts = commandFacts(argv20, parseBash(script));
  if (facts.commands.length !== 20) throw new Error(`expected 20 commands, parsed ${facts.commands.length}`);
  const v = knownSafe(facts, (name) => isSystemProgram(name, [ws]));
  const ev = evaluate(rules, facts.commands);
  return decideApproval("untrusted", "workspace-write", {
    tool: "shell",
    safe: v.safe,
    danger: dangerReason(facts, script, { cwd: ws, home: base, workspaceRoots: [ws] }),
    rule: ev.decision ? { decision: ev.decision, justification: null } : null,
    requested: { kind: "sandbox" },
    sessionApproved: false,
  });
};
const classify: number[] = [];
for (let i = 0; i < 5; i++) {
  const t = performance.now();
  for (let k = 0; k < 200; k++) classifyOnce();
  classify.push((performance.now() - t) / 200);
}
// 2. Cold start.
const timeRun = (args: string[]) => {
  const t = performance.now();
  const r = spawnSync("node", args, { stdio: "ignore" });
  if (r.status !== 0) throw new Error(`node ${args.join(" ")} failed`);
  return performance.now() - t;
};
const cold: number[] = [];
const nodeBare: number[] = [];
for (let i = 0; i < 12; i++) {
  cold.push(timeRun([CLI, "--version"]));
  nodeBare.push(timeRun(["-e", "0"]));
}

// 3. RSS over a 50-turn session.
const TURNS = 50;
const model = await startScriptedModel();
for (let i = 0; i < TURNS; i++)
  model.push(
    responses(`Turn ${i}: checking.`, [
      { id: `c${i}`, name: "shell", args: { command: ["bash", "-lc", `echo turn ${i} && ls`] } },
    ]),
    responses(`Turn ${i} done. ${"lorem ipsum ".repeat(50)}`),
  );
mkdirSync(join(base, "home"), { recursive: true });
writeFileSync(
  join(base, "home", "config.toml"),
  `model = "m"\nmodel_provider = "s"\n[model_providers.s]\nbase_url = "${model.url}"\n`,
);
const child = spawn("node", [CLI, "-a", "on-request", "-s", "workspace-write"], {
  cwd: ws,
  env: { ...process.env, NO_PROXY: "127.0.0.1" },
  stdio: ["pipe", "pipe", "inherit"],
});
let peakKb = 0;
let out = "";
child.stdout.on("data", (c: Buffer) => (out += c.toString()));
const sampler = setInterval(() => {
  try {
    const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))?.[1]);
    if (Number.isFinite(kb)) peakKb = Math.max(peakKb, kb);
  } catch {
    /* exited */
  }
}, 50);
const t0 = performance.now();
child.stdin.write(Array.from({ length: TURNS }, (_, i) => `request ${i}\n`).join(""));
child.stdin.end();
await new Promise((r) => child.on("close", r));
clearInterval(sampler);
const sessionMs = performance.now() - t0;
await model.close();
const turnsDone = (out.match(/done\. lorem/g) ?? []).length;
const idle = spawn("node", ["-e", "setTimeout(()=>{}, 1000)"]);
await new Promise((r) => setTimeout(r, 500));
const idleKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${idle.pid}/status`, "utf8"))?.[1]);
idle.kill();
rmSync(base, { recursive: true, force: true });

const f = (x: number) => x.toFixed(1);
console.log("bench/agent");
console.log(
  `tool call (classify + decide + sandboxed spawn of true): median ${f(median(cordon))} ms vs bare bwrap ${f(median(bare))} ms (${(median(cordon) / median(bare)).toFixed(2)}x); overhead ${f(median(cordon) - median(bare))} ms over bare bwrap (goal: under 15 ms per call in total)`,
);
console.log(
  `  the same with the workspace the only writable root (exclude_slash_tmp; /tmp here has ${tmpFolders} folders): ${f(median(wsOnly.cordon))} ms vs ${f(median(wsOnly.bare))} ms (${(median(wsOnly.cordon) / median(wsOnly.bare)).toFixed(2)}x)`,
);
console.log(
  `  classification of a 20-command compound script (parse + known-safe + danger + rules + decision): ${(median(classify) * 1000).toFixed(0)} µs (goal: under 1 ms)`,
);
console.log(
  `  bash parser start-up (WASM load, once per process, only for scripts): ${parserMs.toFixed(1)} ms (goal: under 30 ms)`,
);
console.log(
  `cold start: cordon --version median ${f(median(cold))} ms vs node -e 0 ${f(median(nodeBare))} ms (+${f(median(cold) - median(nodeBare))} ms) (goal: under 150 ms)`,
);
console.log(
  `50-turn session (${turnsDone}/${TURNS} turns completed, ${(sessionMs / 1000).toFixed(1)} s): peak RSS ${f(peakKb / 1024)} MB vs idle node ${f(idleKb / 1024)} MB (goal: under 120 MB)`,
);
summary([
  {
    bench: "agent",
    what: "per tool call: classify, rules, decide, sandboxed spawn of true",
    measured: `${f(median(cordon))} ms`,
    peer: `bare bwrap, same binds ${f(median(bare))} ms`,
    ratio: median(cordon) / median(bare),
    goal: "<= 1.1x",
    met: median(cordon) / median(bare) <= 1.1,
  },
  {
    bench: "agent",
    what: "per tool call, the workspace the only writable root (exclude_slash_tmp)",
    measured: `${f(median(wsOnly.cordon))} ms`,
    peer: `bare bwrap, same binds ${f(median(wsOnly.bare))} ms`,
    ratio: median(wsOnly.cordon) / median(wsOnly.bare),
    goal: "",
    met: null,
  },
  {
    bench: "agent",
    what: "classification, 20-command script",
    measured: `${(median(classify) * 1000).toFixed(0)} µs`,
    peer: "",
    ratio: null,
    goal: "< 1 ms",
    met: median(classify) < 1,
  },
  {
    bench: "agent",
    what: "peak RSS, 50-turn session",
    measured: `${f(peakKb / 1024)} MB`,
    peer: `idle node ${f(idleKb / 1024)} MB`,
    ratio: peakKb / idleKb,
    goal: "< 120 MB",
    met: peakKb / 1024 < 120,
  },
]);
