// bench/dns: the DNS forwarder against dnsmasq, in the same run, on loopback
// in a network namespace of its own (real nftables there, nothing touches the
// host's). Upstream: bind9 serving 120k names, each with its own address.
//   - cached answers: dnsperf against the forwarder and against dnsmasq
//     (same names, both warm): queries per second and queries lost; and
//     against Node's UDP floor, a responder with no DNS work in it, which
//     shows how much of the gap any Node forwarder would keep;
//   - cache misses including the nft commit: distinct new names at 1000 a
//     second, each answer's latency, p99 minus bind's own p99 for the same
//     kind of query; how many addresses the firewall admitted;
//   - RSS of the forwarder's process with 100k names cached, at rest (once
//     it holds still after the fill) and 6 s after the fill.
// The forwarder is cordon's own daemon (dist/bundle), started as the bring-up
// starts it, from a state file, on the image's Node 22. Needs root, bind9, dnsmasq and dnsperf
// (Debian: bind9 dnsmasq-base dnsperf; `npm run bench` installs what is missing).
//   npm run bench:dns
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import dgram from "node:dgram";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import dnsPacket from "dns-packet";
import { sleep } from "../common/sleep.js";
import { DAEMON_ENV, daemonNodeArgs } from "../firewall/dns-refresher/daemon-runtime.js";
import { DENY_ALL, renderRuleset } from "../firewall/nft-render.js";
import { summary } from "./summary.js";

const NAMES = 120_000;
const QPS_NAMES = 1000;
const MISS_RATE = 1000;
const MISS_SECONDS = 3;
const RSS_NAMES = 100_000;
const FORWARDER = "127.0.0.53";
const DNSMASQ = "127.0.0.2";
/** Node's own UDP floor: a responder that does no DNS work at all (see FLOOR_SOURCE). */
const FLOOR = "127.0.0.3";
/** dnsperf passes over the 1000-name query file (about 5 s each at the forwarder's rate), per round. */
const PERF_RUNS = 400;
const PERF_ROUNDS = 2;
const BIND = "127.0.0.1";
const addressOf = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
const nameOf = (i: number) => `n${i}.bench.test`;

if (!process.env.CORDON_BENCH_NETNS) {
  const setup = spawnSync("bash", [new URL("setup-dns-peers.sh", import.meta.url).pathname], { stdio: "inherit" });
  if (setup.status !== 0) throw new Error("bench/setup-dns-peers.sh failed: dnsmasq, dnsperf and bind9 are needed");
  // The daemon runs on the image's Node (22), as in the container; bench/setup-peers.sh fetches it.
  const node22 = /^NODE22=(.+)$/m.exec(
    execFileSync("bash", [new URL("setup-peers.sh", import.meta.url).pathname], { encoding: "utf8" }),
  )?.[1];
  if (!node22) throw new Error("bench/setup-peers.sh did not report the Node 22 runtime");
  // Re-run inside a fresh network namespace: loopback only, our own nft table.
  const r = spawnSync("unshare", ["-n", "--", process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: "inherit",
    env: { ...process.env, CORDON_BENCH_NETNS: "1", CORDON_BENCH_NODE: node22 },
  });
  process.exit(r.status ?? 1);
}

const dir = mkdtempSync("/var/tmp/cordon-bench-dns-");
const children: ChildProcess[] = [];
const cleanup = () => {
  for (const c of children) c.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
};
process.on("exit", cleanup);

execFileSync("ip", ["link", "set", "lo", "up"]);
for (const a of [FORWARDER, DNSMASQ, FLOOR]) spawnSync("ip", ["addr", "add", `${a}/8`, "dev", "lo"]);

// --- upstream: bind9 --------------------------------------------------------
process.stderr.write(`zone with ${NAMES} names\n`);
const zone = [
  "$ORIGIN test.",
  "$TTL 300",
  "@ IN SOA ns.test. admin.test. ( 1 60 30 600 5 )",
  "@ IN NS ns.test.",
  "ns IN A 127.0.0.1",
];
for (let i = 0; i < NAMES; i++) zone.push(`n${i}.bench IN A ${addressOf(i)}`);
writeFileSync(join(dir, "test.zone"), `${zone.join("\n")}\n`);
writeFileSync(
  join(dir, "named.conf"),
  `options { directory "${dir}"; listen-on port 53 { ${BIND}; }; listen-on-v6 { none; }; pid-file "${dir}/named.pid";
  recursion no; dnssec-validation no; };
zone "test" { type master; file "${dir}/test.zone"; };
`,
);
children.push(spawn("/usr/sbin/named", ["-f", "-c", join(dir, "named.conf")], { stdio: "ignore" }));

// --- the firewall table the forwarder commits into ---------------------------
const nft = spawnSync("nft", ["-f", "-"], {
  input: renderRuleset({ ...DENY_ALL, phase: "enforce" }),
});
if (nft.status !== 0) throw new Error(`nft: ${nft.stderr.toString()}`);

// --- cordon's daemon in forwarder mode, from a state file --------------------
const state = {
  phase: "enforce",
  updatedAt: new Date().toISOString(),
  allowlist: "bench",
  resolvers: [BIND],
  queryResolvers: [BIND],
  refresherEnabled: true,
  refresher: { min_ttl: 30, max_ttl: 3600, grace: 60, min_interval: 5, max_addresses_per_name: 64 },
  rebind: { exempt_cidrs: ["10.0.0.0/8"], exempt_names: [] },
  names: {},
  wildcards: ["*.bench.test"],
  cidrs: [],
  hostPorts: [],
  selfCheck: [],
  forwarder: { listen: FORWARDER, patterns: ["*.bench.test"], refuseWith: "refused" },
};
writeFileSync(join(dir, "state.json"), JSON.stringify(state));
// CORDON_BENCH_PROFILE=DIR writes the daemon's CPU profile there (on its exit).
const daemon = spawn(
  process.env.CORDON_BENCH_NODE ?? process.execPath,
  [
    // As the supervisor starts it (firewall/dns-refresher/supervisor-main.ts).
    ...daemonNodeArgs(true),
    ...(process.env.CORDON_BENCH_PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${process.env.CORDON_BENCH_PROFILE}`] : []),
    new URL("../dist/bundle/firewall/dns-refresher/daemon-main.js", import.meta.url).pathname,
    "--state",
    join(dir, "state.json"),
    "--status",
    join(dir, "status.json"),
  ],
  { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, ...DAEMON_ENV } },
);
children.push(daemon);
let daemonLog = "";
daemon.stderr.on("data", (b: Buffer) => (daemonLog += b.toString()));

// --- the peer: dnsmasq, caching, forwarding to the same bind ------------------
children.push(
  spawn(
    "dnsmasq",
    [
      "--no-daemon",
      "--port=53",
      `--listen-address=${DNSMASQ}`,
      "--bind-interfaces",
      "--no-resolv",
      "--no-hosts",
      `--server=${BIND}`,
      "--cache-size=10000",
      "--user=root",
      "--pid-file=",
    ],
    { stdio: "ignore" },
  ),
);

// --- the floor: what one Node thread's UDP path allows, with no DNS in it --------
// Each query comes back as its own answer (QR set, one A record pointing at the question), sent
// the way the forwarder sends (a literal address, no lookup), under the daemon's Node and flags.
// The forwarder cannot answer faster than this; the row shows how far the goal is from it.
const FLOOR_SOURCE = `
const s = require("node:dgram").createSocket({ type: "udp4", lookup: (h, o, cb) => cb(null, h, 4) });
const A = Buffer.from([0xc0, 12, 0, 1, 0, 1, 0, 0, 1, 44, 0, 4, 10, 0, 0, 1]);
s.on("message", (m, r) => {
  const out = Buffer.allocUnsafe(m.length + A.length);
  m.copy(out);
  A.copy(out, m.length);
  out[2] = 0x80 | (m[2] & 1); out[3] = 0x80; out[6] = 0; out[7] = 1; out[10] = 0; out[11] = 0;
  s.send(out, r.port, r.address);
});
s.bind(53, "${FLOOR}");
`;
children.push(
  spawn(process.env.CORDON_BENCH_NODE ?? process.execPath, [...daemonNodeArgs(true), "-e", FLOOR_SOURCE], {
    stdio: "ignore",
    env: { ...process.env, ...DAEMON_ENV },
  }),
);

/** One query over UDP; resolves with the rcode and the milliseconds it took. */
const client = dgram.createSocket("udp4");
const waiting = new Map<number, (rcode: number) => void>();
client.on("message", (m) => {
  const p = dnsPacket.decode(m);
  waiting.get(p.id!)?.((p.flags ?? 0) & 15);
  waiting.delete(p.id!);
});
await new Promise<void>((r) => client.bind(0, "127.0.0.1", r));
let nextId = 1;
function ask(server: string, name: string, timeoutMs = 3000): Promise<{ rcode: number; ms: number }> {
  const id = (nextId = (nextId % 65535) + 1);
  const t0 = process.hrtime.bigint();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      waiting.delete(id);
      resolve({ rcode: -1, ms: timeoutMs });
    }, timeoutMs);
    waiting.set(id, (rcode) => {
      clearTimeout(timer);
      resolve({ rcode, ms: Number(process.hrtime.bigint() - t0) / 1e6 });
    });
    client.send(
      dnsPacket.encode({ id, type: "query", flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: "A", name }] }),
      53,
      server,
    );
  });
}

// Wait (bounded) for all three servers.
for (const [server, what] of [
  [BIND, "bind"],
  [DNSMASQ, "dnsmasq"],
  [FORWARDER, "the forwarder"],
  [FLOOR, "the Node floor responder"],
] as const) {
  let ok = false;
  for (let i = 0; i < 100 && !ok; i++) {
    ok = (await ask(server, nameOf(0), 300)).rcode === 0;
    if (!ok) await sleep(100);
  }
  if (!ok) throw new Error(`${what} did not answer on ${server}:53\n${daemonLog}`);
}

/** Many queries, `concurrency` in flight. */
async function askAll(server: string, names: string[], concurrency: number) {
  const out: { rcode: number; ms: number }[] = [];
  let i = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (i < names.length) out.push(await ask(server, names[i++]!));
    }),
  );
  return out;
}

// --- 1. cached answers: dnsperf, both warm ----------------------------------
const qpsNames = Array.from({ length: QPS_NAMES }, (_, i) => nameOf(i));
writeFileSync(join(dir, "queries.txt"), `${qpsNames.map((n) => `${n} A`).join("\n")}\n`);
await askAll(FORWARDER, qpsNames, 50);
await askAll(DNSMASQ, qpsNames, 50);
/**
 * dnsperf through the query file `runs` times (not for a time: a timed run stops with queries in
 * flight and counts them as lost); 8 clients, 200 outstanding.
 */
function dnsperf(server: string) {
  const r = spawnSync(
    "dnsperf",
    ["-s", server, "-d", join(dir, "queries.txt"), "-n", String(PERF_RUNS), "-c", "8", "-q", "200", "-t", "2"],
    { encoding: "utf8" },
  );
  const qps = Number(/Queries per second:\s+([\d.]+)/.exec(r.stdout)?.[1] ?? NaN);
  const lost = Number(/Queries lost:\s+(\d+)/.exec(r.stdout)?.[1] ?? NaN);
  return { qps, lost };
}
// Interleaved rounds, the best of each (the machine's other load only ever lowers a run).
const best = (a: { qps: number; lost: number }, b: { qps: number; lost: number }) => ({
  qps: Math.max(a.qps, b.qps),
  lost: a.lost + b.lost,
});
let fwdQps = { qps: 0, lost: 0 };
let peerQps = { qps: 0, lost: 0 };
let floorQps = { qps: 0, lost: 0 };
for (let round = 0; round < PERF_ROUNDS; round++) {
  fwdQps = best(fwdQps, dnsperf(FORWARDER));
  peerQps = best(peerQps, dnsperf(DNSMASQ));
  floorQps = best(floorQps, dnsperf(FLOOR));
}

// --- 2. cache misses at 1000 new names a second ------------------------------
const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.99)] ?? NaN;
async function atRate(server: string, first: number): Promise<{ ms: number[]; failed: number; seconds: number }> {
  const total = MISS_RATE * MISS_SECONDS;
  const pending: Promise<{ rcode: number; ms: number }>[] = [];
  const t0 = Date.now();
  for (let k = 0; k < total; k++) {
    const due = t0 + (k * 1000) / MISS_RATE;
    if (due > Date.now()) await sleep(due - Date.now());
    pending.push(ask(server, nameOf(first + k)));
  }
  const res = await Promise.all(pending);
  return {
    ms: res.filter((r) => r.rcode === 0).map((r) => r.ms),
    failed: res.filter((r) => r.rcode !== 0).length,
    seconds: (Date.now() - t0) / 1000,
  };
}
const upstreamMiss = await atRate(BIND, 2000);
const fwdMiss = await atRate(FORWARDER, 2000 + MISS_RATE * MISS_SECONDS);
const setSize = () => {
  const j = JSON.parse(
    execFileSync("nft", ["-j", "list", "set", "inet", "cordon", "allow4"], { encoding: "utf8" }),
  ) as {
    nftables: { set?: { elem?: unknown[] } }[];
  };
  return j.nftables.find((x) => x.set)?.set?.elem?.length ?? 0;
};
const admitted = setSize();

// --- 3. RSS with 100k names cached -------------------------------------------
const daemonPid = (JSON.parse(readFileSync(join(dir, "status.json"), "utf8")) as { pid: number }).pid;
const rssMb = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024;
const rssBefore = rssMb(daemonPid);
const fill = Array.from({ length: RSS_NAMES }, (_, i) => nameOf(10_000 + i));
const t0 = Date.now();
const filled = await askAll(FORWARDER, fill, 200);
const fillSeconds = (Date.now() - t0) / 1000;
await sleep(6000); // a status write, so the cache size below is current
const status = JSON.parse(readFileSync(join(dir, "status.json"), "utf8")) as {
  forwarder: { cache: number; heapMb: number };
};
const rssAfterFill = rssMb(daemonPid);
// Then at rest: V8 frees the fill's garbage (old arena buffers, the queries' objects) some seconds
// after the work stops. Sampled every 2 s until it holds still (bounded: 40 s).
let rss = rssAfterFill;
for (let waited = 0, last = Infinity; waited < 40 && !(waited >= 10 && Math.abs(last - rss) < 0.3); waited += 2) {
  last = rss;
  await sleep(2000);
  rss = rssMb(daemonPid);
}
client.close();
daemon.kill("SIGTERM");
await new Promise((r) => daemon.once("exit", r));

const fmt = (x: number, d = 1) => x.toFixed(d);
const missOver = p99(fwdMiss.ms) - p99(upstreamMiss.ms);
const admitRate = (fwdMiss.ms.length / fwdMiss.seconds) | 0;
process.stdout.write(
  [
    "",
    "bench/dns (loopback, own network namespace; upstream bind9 with 120k names)",
    `cached answers, dnsperf, best of ${PERF_ROUNDS} x ${PERF_RUNS}k queries: forwarder ${fmt(fwdQps.qps, 0)} qps (${fwdQps.lost} lost)  dnsmasq ${fmt(peerQps.qps, 0)} qps (${peerQps.lost} lost)  ratio ${fmt(fwdQps.qps / peerQps.qps, 2)}x`,
    `  Node's UDP floor (a fixed answer, no DNS work, the daemon's Node and flags): ${fmt(floorQps.qps, 0)} qps (${floorQps.lost} lost), ${fmt(floorQps.qps / peerQps.qps, 2)}x dnsmasq; the forwarder is ${fmt(fwdQps.qps / floorQps.qps, 2)}x the floor`,
    `cache misses at ${MISS_RATE}/s for ${MISS_SECONDS} s: forwarder p99 ${fmt(p99(fwdMiss.ms), 2)} ms (${fwdMiss.failed} failed)  bind itself p99 ${fmt(p99(upstreamMiss.ms), 2)} ms  difference ${fmt(missOver, 2)} ms`,
    `admitted: ${admitted} addresses in the nft set (${admitRate} new names answered per second)`,
    `RSS with ${status.forwarder.cache} names cached: ${fmt(rss)} MB at rest, ${fmt(rssAfterFill)} MB 6 s after the fill (live heap then ${status.forwarder.heapMb} MB; ${fmt(rssBefore)} MB with ${(2000 + 2 * MISS_RATE * MISS_SECONDS).toString()} cached) (filled ${RSS_NAMES} names in ${fmt(fillSeconds)} s, ${filled.filter((r) => r.rcode !== 0).length} failed)`,
    "",
  ].join("\n"),
);
summary([
  {
    bench: "dns",
    what: "cached answers (dnsperf), forwarder vs dnsmasq",
    measured: `${fmt(fwdQps.qps, 0)} qps, ${fwdQps.lost} lost`,
    peer: `dnsmasq ${fmt(peerQps.qps, 0)} qps`,
    ratio: fwdQps.qps / peerQps.qps,
    goal: ">= 1.0x dnsmasq, 0 lost",
    met: fwdQps.qps >= peerQps.qps && fwdQps.lost === 0,
  },
  {
    bench: "dns",
    what: "Node's UDP floor (fixed answer, no DNS work) vs dnsmasq: the most a Node forwarder can reach",
    measured: `${fmt(floorQps.qps, 0)} qps; forwarder ${fmt(fwdQps.qps / floorQps.qps, 2)}x of it`,
    peer: `dnsmasq ${fmt(peerQps.qps, 0)} qps`,
    ratio: floorQps.qps / peerQps.qps,
    goal: "none: the ceiling of the row above",
    met: null,
  },
  {
    bench: "dns",
    what: `cache miss incl. nft commit, p99 over bind's own (${MISS_RATE}/s)`,
    measured: `${fmt(missOver, 2)} ms`,
    peer: `bind p99 ${fmt(p99(upstreamMiss.ms), 2)} ms`,
    ratio: null,
    goal: "< 5 ms",
    met: missOver < 5,
  },
  {
    bench: "dns",
    what: "distinct new names admitted per second",
    measured: `${admitRate}/s (${fwdMiss.failed} failed)`,
    peer: "",
    ratio: null,
    goal: ">= 1000/s",
    met: admitRate >= 990 && fwdMiss.failed === 0,
  },
  {
    bench: "dns",
    what: `forwarder RSS at rest, ${status.forwarder.cache} names cached`,
    measured: `${fmt(rss)} MB (${fmt(rssAfterFill)} MB 6 s after the fill)`,
    peer: "",
    ratio: null,
    goal: "< 80 MB",
    met: rss < 80,
  },
]);
process.exit(0);
