// The tests' own "internet": an internal Docker network with an authoritative
// DNS server for `.test` (bind9, records changed at run time with nsupdate)
// and small hosts on fixed addresses. Nothing here can reach beyond this
// machine: the network is --internal.
//
// TEST-NET-2 (198.51.100.0/24) rather than TEST-NET-3: on this project's
// machines the package registries are reached through a proxy at a TEST-NET-3
// address, and a local bridge on that /24 would capture the host's route to it.
import { fileURLToPath } from "node:url";
import { Wait } from "testcontainers";
import { docker, type OfflineImages } from "./docker.js";
import { createInternalNetwork, sh, TestHostContainer } from "./test-host.js";

/** One single-quoted shell word. */
const shellQuote = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;

export const NET = { v4: "198.51.100.0/24", v6: "2001:db8:cd::/64" } as const;
export const HOSTS = {
  dns: { v4: "198.51.100.53", v6: "2001:db8:cd::53" },
  dns2: { v4: "198.51.100.54", v6: "2001:db8:cd::54" },
  allowed: { v4: "198.51.100.10", v6: "2001:db8:cd::10" },
  blocked: { v4: "198.51.100.11", v6: "2001:db8:cd::11" },
  shared: { v4: "198.51.100.12", v6: "2001:db8:cd::12" },
  neighbor: { v4: "198.51.100.13", v6: "2001:db8:cd::13" },
  cdn: { v4: "198.51.100.14", v6: "2001:db8:cd::14" },
  cdn2: { v4: "198.51.100.15", v6: "2001:db8:cd::15" },
  /** An OTLP/HTTP JSON sink on port 4318 (collector.test). */
  collector: { v4: "198.51.100.16", v6: "2001:db8:cd::16" },
} as const;
const WEB_HOSTS = ["allowed", "blocked", "shared", "neighbor", "cdn", "cdn2", "collector"] as const;

const LABEL = "cordon.testnet=1";
const fixtures = fileURLToPath(new URL("../../fixtures/testnet/", import.meta.url));

export interface TestNet {
  network: string;
  /** Applies nsupdate commands (without `send`) to the `.test` zone. */
  nsupdate(lines: string[]): Promise<void>;
  /** What the collector host received: one parsed OTLP/HTTP JSON export per entry. */
  collected(): Promise<{ path: string; key: string | null; body: Record<string, unknown> }[]>;
  /** Runs dig on the DNS container (outside any firewall). */
  digFromDns(args: string[]): Promise<string>;
  /** The test DNS server's query log so far (one line per query it received). */
  dnsQueryLog(): Promise<string>;
  /** Switches the DNS server's query log (on by default; benchmarks turn it off: it costs bind most of its time). */
  setQueryLog(on: boolean): Promise<void>;
  stop(): Promise<void>;
}

async function must(args: string[], what: string, timeout = 600_000) {
  const r = await docker(args, { timeout });
  if (r.exitCode !== 0) throw new Error(`${what} failed: ${r.stderr || r.stdout}`);
  return r.stdout;
}

/** Removes networks and containers left by an earlier, interrupted run. */
async function cleanStale() {
  const cs = (await docker(["ps", "-aq", "--filter", `label=${LABEL}`])).stdout.split("\n").filter(Boolean);
  if (cs.length) await docker(["rm", "-f", ...cs]);
  const ns = (await docker(["network", "ls", "-q", "--filter", `label=${LABEL}`])).stdout.split("\n").filter(Boolean);
  for (const n of ns) await docker(["network", "rm", n]);
}

export async function startTestNet(images: OfflineImages): Promise<TestNet> {
  await cleanStale();
  await must(
    [
      "build",
      "-q",
      "-t",
      "cordon-test/dns",
      "--build-arg",
      `BASE_IMAGE=${images.BASE_IMAGE}`,
      "-f",
      `${fixtures}dns.Dockerfile`,
      fixtures,
    ],
    "building the test DNS image",
  );
  const network = `cordon-testnet-${process.pid}`;
  await createInternalNetwork({ name: network, subnets: [NET.v4, NET.v6], labels: { "cordon.testnet": "1" } });
  const host = (name: string, ip: { v4: string; v6: string }, image: string) =>
    new TestHostContainer(image)
      .withName(`${network}-${name}`)
      .withLabels({ "cordon.testnet": "1" })
      .withAddresses(network, ip);
  // bind is up once it answers for the zone it serves.
  const bindReady = Wait.forSuccessfulCommand(
    `test "$(dig +short +time=1 +tries=1 @127.0.0.1 allowed.test A)" = "${HOSTS.allowed.v4}"`,
  );
  const started = await Promise.all([
    host("dns", HOSTS.dns, "cordon-test/dns").withWaitStrategy(bindReady).start(),
    host("dns2", HOSTS.dns2, "cordon-test/dns").withWaitStrategy(bindReady).start(),
    ...WEB_HOSTS.map((h) =>
      host(h, HOSTS[h], images.NODE_IMAGE)
        .withEnvironment({ HOST_NAME: h })
        .withCopyFilesToContainer([{ source: `${fixtures}web-server.mjs`, target: "/srv/web-server.mjs" }])
        .withCommand(["node", "/srv/web-server.mjs"])
        .withWaitStrategy(Wait.forLogMessage(/listening/))
        .start(),
    ),
  ]);
  const byName = (n: string) => started.find((c) => c.getName().replace(/^\//, "") === `${network}-${n}`)!;
  const dns = byName("dns");
  return {
    network,
    nsupdate: async (lines) => {
      const input = `zone test\n${lines.join("\n")}\nsend\n`;
      const r = await sh(dns, `printf '%s' ${shellQuote(input)} | nsupdate -l`);
      if (r.exitCode !== 0) throw new Error(`nsupdate failed: ${r.stderr}`);
    },
    collected: async () =>
      (await sh(byName("collector"), "cat /tmp/otlp.jsonl 2>/dev/null || true")).stdout
        .split("\n")
        .filter(Boolean)
        .map((l) => {
          const j = JSON.parse(l) as { path: string; key: string | null; body: string };
          return { path: j.path, key: j.key, body: JSON.parse(j.body) as Record<string, unknown> };
        }),
    dnsQueryLog: async () => {
      const r = await docker(["logs", `${network}-dns`]);
      return `${r.stdout}\n${r.stderr}`
        .split("\n")
        .filter((l) => l.includes("query:"))
        .join("\n");
    },
    setQueryLog: async (on) => {
      const r = await dns.exec(["rndc", "querylog", on ? "on" : "off"]);
      if (r.exitCode !== 0) throw new Error(`rndc querylog failed: ${r.output}`);
    },
    digFromDns: async (args) => (await dns.exec(["dig", ...args])).stdout.replace(/\n$/, ""),
    stop: async () => {
      await cleanStale();
    },
  };
}
