// bench/sandbox: wall time of `true` run bare, under a bare bwrap command
// line with the same binds, under cordon's sandbox in-process (policy build +
// fs facts + seccomp program + spawn) and end-to-end (`cordon sandbox -- true`,
// Node start-up included), plus deny-read glob expansion on a generated
// 100k-file workspace. Ratios are against bare bwrap, measured in this run.
// sandbox-runtime's `srt` is measured when CORDON_BENCH_SRT names its binary
// (it needs Node 22; see the closing note of the sandbox issue).
//   npm run -s build && npx tsx bench/sandbox.ts
import { summary } from "./summary.js";
import { withoutCordonFds } from "./tool-context.js";
import { spawnSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { configSchemas } from "../agent/config/schema.js";
import { expandGlob } from "../agent/sandbox/glob-expand.js";
import { resolvePolicy } from "../agent/sandbox/policy.js";
import { prepareBwrap, runSandboxed } from "../agent/sandbox/run.js";
import { applyPatch } from "../agent/tools/apply-patch.js";
import { parsePatch } from "../agent/tools/patch-parse.js";

const N = Number(process.env.CORDON_BENCH_RUNS ?? 50);
const ws = mkdtempSync("/var/tmp/cordon-bench-ws-");
spawnSync("git", ["init", "-q", ws]);
const policy = resolvePolicy({
  config: configSchemas().ConfigFile.parse({}),
  cwd: ws,
  home: "/root",
  tmpdirEnv: undefined,
  cordonHome: "/root/.cordon",
  inGitRepo: true,
  cli: {},
});

const runOnce = (file: string, args: string[]) =>
  new Promise<void>((res, rej) => {
    const c = spawn(file, args, { stdio: "ignore" });
    c.on("error", rej);
    c.on("close", (code) => (code === 0 ? res() : rej(new Error(`${file} exited ${String(code)}`))));
  });

async function time(label: string, fn: () => Promise<unknown>): Promise<number> {
  await fn(); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < N; i++) {
    const t = process.hrtime.bigint();
    await fn();
    samples.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  samples.sort((a, b) => a - b);
  const median = samples[Math.floor(samples.length / 2)] as number;
  process.stderr.write(`${label}: median ${median.toFixed(2)} ms over ${N}\n`);
  return median;
}

const { argv, bwrap } = await prepareBwrap(policy, ["true"]);
const bareArgv = withoutCordonFds(argv);
// What `cordon` runs (cordon.cjs: `cordon sandbox` from its one-file bundle and code cache).
const cli = new URL("../dist/bundle/agent/cli/cordon.cjs", import.meta.url).pathname;

const bare = await time("bare true", () => runOnce("/bin/true", []));
const bwrapT = await time("bare bwrap, same binds", () => runOnce(bwrap, bareArgv));
const inproc = await time("cordon sandbox in-process", () =>
  runSandboxed(policy, ["true"], { explain: false, stdio: "pipe" }),
);
const e2e = await time("cordon sandbox end-to-end", () =>
  runOnce(process.execPath, [cli, "sandbox", "-C", ws, "--", "true"]),
);
// apply_patch of a one-file change, applied by cordon started inside the sandbox.
writeFileSync(join(ws, "f.txt"), "a\n");
let flip = false;
const patchOps = () => {
  flip = !flip;
  return parsePatch(
    `*** Begin Patch\n*** Update File: f.txt\n@@\n-${flip ? "a" : "b"}\n+${flip ? "b" : "a"}\n*** End Patch`,
  );
};
const patchT = await time("sandboxed apply_patch", async () => {
  const r = await applyPatch(patchOps(), policy);
  if (!r.ok) throw new Error(r.message);
});
const nodeStart = await time("node -e 0 under bare bwrap", () =>
  runOnce(bwrap, [...bareArgv.slice(0, -2), process.execPath, "-e", "0"]),
);
let srt: number | null = null;
if (process.env.CORDON_BENCH_SRT)
  srt = await time("srt true", () => runOnce(process.env.CORDON_BENCH_SRT as string, ["true"]));

// Glob expansion on 100k files within depth 3: 10 x 10 directories of 1000 files, every 50th a .env.
const big = mkdtempSync("/var/tmp/cordon-bench-glob-");
for (let a = 0; a < 10; a++)
  for (let b = 0; b < 10; b++) {
    const d = join(big, `a${a}`, `b${b}`);
    mkdirSync(d, { recursive: true });
    for (let f = 0; f < 1000; f++) writeFileSync(join(d, f % 50 === 0 ? `f${f}.env` : `f${f}.txt`), "");
  }
const globRuns: number[] = [];
let matches = 0;
for (let i = 0; i < 5; i++) {
  const t = process.hrtime.bigint();
  matches = expandGlob(`${big}/**/*.env`, 3).length;
  globRuns.push(Number(process.hrtime.bigint() - t) / 1e6);
}
globRuns.sort((a, b) => a - b);
rmSync(big, { recursive: true, force: true });
rmSync(ws, { recursive: true, force: true });

console.log(`bench/sandbox (median of ${N}; ratios against bare bwrap with the same binds, same run)`);
console.log(`  bare true                  ${bare.toFixed(2)} ms`);
console.log(`  bare bwrap                 ${bwrapT.toFixed(2)} ms   1.00x`);
console.log(
  `  cordon sandbox in-process  ${inproc.toFixed(2)} ms   ${(inproc / bwrapT).toFixed(2)}x   (goal: <= 1.2x)`,
);
console.log(
  `  cordon sandbox end-to-end  ${e2e.toFixed(2)} ms   ${(e2e / bwrapT).toFixed(2)}x   (Node start-up included)`,
);
console.log(
  srt === null
    ? "  srt                        not measured (set CORDON_BENCH_SRT to its binary)"
    : `  srt                        ${srt.toFixed(2)} ms   ${(srt / bwrapT).toFixed(2)}x   cordon end-to-end is ${(srt / e2e).toFixed(2)}x faster`,
);
console.log(
  `  apply_patch, 1 file, sandboxed  ${patchT.toFixed(2)} ms   vs node -e 0 under bare bwrap ${nodeStart.toFixed(2)} ms (${(patchT / nodeStart).toFixed(2)}x; the floor of starting Node in the sandbox)`,
);
console.log(
  `  glob **/*.env at depth 3 on 100k files: ${globRuns[2]?.toFixed(1)} ms median of 5, ${matches} matches (goal: < 200 ms)`,
);
summary([
  {
    bench: "sandbox",
    what: "launch in-process (policy, facts, args, seccomp, spawn of true)",
    measured: `${inproc.toFixed(2)} ms`,
    peer: `bare bwrap, same binds ${bwrapT.toFixed(2)} ms`,
    ratio: inproc / bwrapT,
    goal: "<= 1.2x",
    met: inproc / bwrapT <= 1.2,
  },
  ...(srt === null
    ? []
    : [
        {
          bench: "sandbox",
          what: "cordon sandbox -- true end to end (this machine's Node)",
          measured: `${e2e.toFixed(1)} ms`,
          peer: `sandbox-runtime srt true ${srt.toFixed(1)} ms`,
          ratio: e2e / srt,
          goal: "",
          met: null,
        },
      ]),
  {
    bench: "sandbox",
    what: "apply_patch, 1 file, sandboxed",
    measured: `${patchT.toFixed(2)} ms`,
    peer: `node -e 0 under bare bwrap ${nodeStart.toFixed(2)} ms`,
    ratio: patchT / nodeStart,
    goal: "",
    met: null,
  },
  {
    bench: "sandbox",
    what: "deny-read glob **/*.env, 100k files",
    measured: `${globRuns[2]?.toFixed(1)} ms`,
    peer: "",
    ratio: null,
    goal: "< 200 ms",
    met: (globRuns[2] ?? Infinity) < 200,
  },
]);
