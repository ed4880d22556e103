// `npm run bench`: every benchmark in turn, then one table of each goal:
// measured, the peer measured in the same run, ratio, goal, met or not. The
// firewall and refresher benchmarks need Docker (the offline images and the
// test network); without it they are listed as not run.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { SummaryRow } from "./summary.js";

const dir = mkdtempSync("/var/tmp/cordon-bench-all-");
const file = join(dir, "summary.jsonl");
const docker = spawnSync("docker", ["info"], { stdio: "ignore" }).status === 0;
const benches: { name: string; args: string[]; needsDocker?: boolean }[] = [
  { name: "startup", args: ["--import", "tsx", "bench/startup.ts"] },
  { name: "sandbox", args: ["--import", "tsx", "bench/sandbox.ts"] },
  { name: "agent", args: ["--import", "tsx", "bench/agent.ts"] },
  { name: "telemetry", args: ["--expose-gc", "--import", "tsx", "bench/telemetry.ts"] },
  { name: "firewall", args: ["--import", "tsx", "bench/firewall-bringup.ts"], needsDocker: true },
  { name: "refresher", args: ["--import", "tsx", "bench/refresher.ts"], needsDocker: true },
  { name: "dns", args: ["--import", "tsx", "bench/dns.ts"] },
];
const notRun: SummaryRow[] = [];
// sandbox-runtime (the sandbox bench's third peer) needs ripgrep and socat: installed by its setup when they are there.
const srt = spawnSync("bash", ["bench/setup-srt.sh"], { encoding: "utf8" });
const srtEnv: Record<string, string> = srt.status === 0 ? { CORDON_BENCH_SRT: srt.stdout.trim() } : {};
if (srt.status !== 0)
  notRun.push({
    bench: "sandbox",
    what: `(sandbox-runtime not measured: ${srt.stderr.trim().split("\n").pop() ?? "its setup failed"})`,
    measured: "",
    peer: "",
    ratio: null,
    goal: "",
    met: null,
  });
for (const b of benches) {
  if (b.needsDocker && !docker) {
    notRun.push({
      bench: b.name,
      what: "(not run: Docker is not available)",
      measured: "",
      peer: "",
      ratio: null,
      goal: "",
      met: null,
    });
    continue;
  }
  process.stderr.write(`\n== bench/${b.name}\n`);
  const r = spawnSync(process.execPath, b.args, {
    stdio: "inherit",
    env: { ...process.env, ...srtEnv, CORDON_BENCH_SUMMARY: file },
  });
  if (r.status !== 0)
    notRun.push({
      bench: b.name,
      what: `(failed: exit ${r.status}; see its output above)`,
      measured: "",
      peer: "",
      ratio: null,
      goal: "",
      met: null,
    });
}
let rows: SummaryRow[] = [];
try {
  rows = readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as SummaryRow);
} catch {
  // nothing was measured
}
rmSync(dir, { recursive: true, force: true });
const all = [...rows, ...notRun];
const cols = ["bench", "what", "measured", "peer (same run)", "ratio", "goal", "met"];
const cells = all.map((r) => [
  r.bench,
  r.what,
  r.measured,
  r.peer,
  r.ratio === null ? "" : `${r.ratio.toFixed(2)}x`,
  r.goal,
  r.met === null ? "" : r.met ? "met" : "NOT met",
]);
const width = cols.map((c, i) => Math.max(c.length, ...cells.map((row) => (row[i] ?? "").length)));
const line = (xs: string[]) => `| ${xs.map((x, i) => x.padEnd(width[i] ?? 0)).join(" | ")} |`;
console.log(`\nbench summary (${new Date().toISOString()}, node ${process.version})`);
console.log(line(cols));
console.log(`|${width.map((w) => "-".repeat(w + 2)).join("|")}|`);
for (const row of cells) console.log(line(row));
const missed = all.filter((r) => r.met === false).length;
console.log(
  `${all.filter((r) => r.met === true).length} goals met, ${missed} not met, ${notRun.length} benchmarks not run`,
);
