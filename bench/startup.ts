// bench/startup: the command as a user starts it, whole process, next to
// its peers in the same run (paired, interleaved, medians):
//  - `cordon sandbox -- true` vs Codex's native `codex sandbox -P :workspace -- true`;
//  - `cordon --version` vs `node -e 0`;
// each under this machine's Node and under Node 22 (the image's, which also
// keeps a compile cache in cordon's home). Peers come from bench/setup-peers.sh.
// Also the floor of any Node CLI that sandboxes with bwrap: Node starting a
// script that only spawns bwrap with the binds cordon builds here (no
// seccomp), next to Codex. Its ratio is what the 0.95x goal is up against.
//   npm run bench:startup
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { defaultConfig } from "../agent/config/defaults.js";
import { policyFromEnvironment } from "../agent/sandbox/from-environment.js";
import { prepareBwrap } from "../agent/sandbox/run.js";
import { withoutCordonFds } from "./tool-context.js";
import { summary, type SummaryRow } from "./summary.js";

const peers = Object.fromEntries(
  execFileSync("bash", [new URL("./setup-peers.sh", import.meta.url).pathname], { encoding: "utf8" })
    .trim()
    .split("\n")
    .map((l) => l.split("=") as [string, string]),
) as { CODEX: string; NODE22: string };
const ENTRY = new URL("../dist/bundle/agent/cli/cordon.cjs", import.meta.url).pathname;
const base = mkdtempSync("/var/tmp/cordon-bench-startup-");
const ws = join(base, "ws");
mkdirSync(ws);
execFileSync("git", ["init", "-q", ws]);
const env = { ...process.env, CORDON_HOME: join(base, "home"), CODEX_HOME: join(base, "codex-home") };
mkdirSync(env.CODEX_HOME, { recursive: true });
// The floor script: bwrap as `cordon sandbox -- true` would run it in ws, started by Node's cheapest spawn.
process.env.CORDON_HOME = env.CORDON_HOME;
const { argv: cordonArgv, bwrap } = await prepareBwrap(policyFromEnvironment({ cwd: ws }, defaultConfig()), ["true"]);
const FLOOR = join(base, "floor.cjs");
writeFileSync(
  FLOOR,
  `const r = require("node:child_process").spawnSync(${JSON.stringify(bwrap)}, ${JSON.stringify(withoutCordonFds(cordonArgv))}, { stdio: "inherit" });\nprocess.exitCode = r.status ?? 1;\n`,
);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const time = (cmd: string[]) => {
  const t = performance.now();
  const r = spawnSync(cmd[0] as string, cmd.slice(1), { cwd: ws, env, stdio: "ignore" });
  if (r.status !== 0) throw new Error(`${cmd.join(" ")} exited ${r.status}`);
  return performance.now() - t;
};
/** A and B in turn; the median of each and of the pairwise ratios. */
function paired(a: string[], b: string[], n = 30) {
  // Warm-up (and the compile cache).
  for (let i = 0; i < 3; i++) {
    time(a);
    time(b);
  }
  const as: number[] = [];
  const bs: number[] = [];
  const rs: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = time(a);
    const y = time(b);
    as.push(x);
    bs.push(y);
    rs.push(x / y);
  }
  return { a: median(as), b: median(bs), ratio: median(rs) };
}

const rows: SummaryRow[] = [];
const ms = (x: number) => `${x.toFixed(1)} ms`;
for (const [label, node] of [
  [`node ${process.version}`, process.execPath],
  [`node 22 (the image's)`, peers.NODE22],
] as const) {
  const sb = paired([node, ENTRY, "sandbox", "--", "true"], [peers.CODEX, "sandbox", "-P", ":workspace", "--", "true"]);
  rows.push({
    bench: "startup",
    what: `cordon sandbox -- true, ${label}`,
    measured: ms(sb.a),
    peer: `codex sandbox (native) ${ms(sb.b)}`,
    ratio: sb.ratio,
    goal: "<= 0.95x",
    met: sb.ratio <= 0.95,
  });
  const v = paired([node, ENTRY, "--version"], [node, "-e", "0"]);
  rows.push({
    bench: "startup",
    what: `cordon --version, ${label}`,
    measured: ms(v.a),
    peer: `node -e 0 ${ms(v.b)}`,
    ratio: v.ratio,
    goal: "<= 1.1x",
    met: v.ratio <= 1.1,
  });
  const floor = paired([node, "-e", "0"], [peers.CODEX, "sandbox", "-P", ":workspace", "--", "true"]);
  const bw = paired([node, FLOOR], [peers.CODEX, "sandbox", "-P", ":workspace", "--", "true"]);
  rows.push({
    bench: "startup",
    what: `node spawning bwrap with cordon's binds, nothing else (the floor of a Node CLI that sandboxes with bwrap), ${label}`,
    measured: ms(bw.a),
    peer: `codex sandbox (native) ${ms(bw.b)}`,
    ratio: bw.ratio,
    goal: "",
    met: null,
  });
  rows.push({
    bench: "startup",
    what: `node -e 0 alone (the floor of a Node CLI), ${label}`,
    measured: ms(floor.a),
    peer: `codex sandbox (native) ${ms(floor.b)}`,
    ratio: floor.ratio,
    goal: "",
    met: null,
  });
}
rmSync(base, { recursive: true, force: true });
console.log("bench/startup (whole process, paired, median of 30)");
for (const r of rows)
  console.log(
    `  ${r.what}: ${r.measured} vs ${r.peer} = ${r.ratio?.toFixed(2)}x${r.goal ? ` (goal ${r.goal}: ${r.met ? "met" : "NOT met"})` : ""}`,
  );
summary(rows);
