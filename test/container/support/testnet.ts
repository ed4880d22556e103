// The tests' own "internet": an internal Docker network with an authoritative
// DNS server for `.test` (bind9, records changed at run time with nsupdate)
// and small hosts on fixed addresses. Nothing here can reach beyond this
// machine: the network is --internal.
//
// TEST-NET-2 (198.51.100.0/24) rather than TEST-NET-3: on this project's
// machines the package registries are reached through a proxy at a TEST-NET-3
// address, and a local bridge on that /24 would capture the host's route to it.
import { fileURLToPath } from "node:url";
import { docker, type OfflineImages } from "./docker.js";

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
  await must(
    ["network", "create", "--internal", "--ipv6", "--subnet", NET.v4, "--subnet", NET.v6, "--label", LABEL, network],
    "creating the test network",
  );
  const run = (name: string, ip: { v4: string; v6: string }, image: string, cmd: string[], env: string[] = []) =>
    must(
      [
        "run",
        "-d",
        "--name",
        `${network}-${name}`,
        "--label",
        LABEL,
        "--network",
        network,
        "--ip",
        ip.v4,
        "--ip6",
        ip.v6,
        ...env.flatMap((e) => ["-e", e]),
        image,
        ...cmd,
      ],
      `starting test host ${name}`,
    );
  await run("dns", HOSTS.dns, "cordon-test/dns", []);
  await run("dns2", HOSTS.dns2, "cordon-test/dns", []);
  for (const h of WEB_HOSTS) {
    await must(
      [
        "create",
        "--name",
        `${network}-${h}`,
        "--label",
        LABEL,
        "--network",
        network,
        "--ip",
        HOSTS[h].v4,
        "--ip6",
        HOSTS[h].v6,
        "-e",
        `HOST_NAME=${h}`,
        images.NODE_IMAGE,
        "node",
        "/srv/web-server.mjs",
      ],
      `creating test host ${h}`,
    );
    await must(
      ["cp", `${fixtures}web-server.mjs`, `${network}-${h}:/srv/web-server.mjs`],
      `copying the web server into ${h}`,
    );
    await must(["start", `${network}-${h}`], `starting test host ${h}`);
  }
  const dnsName = `${network}-dns`;
  // Wait (bounded) until bind answers.
  for (let i = 0; ; i++) {
    const r = await docker([
      "exec",
      dnsName,
      "dig",
      "+short",
      "+time=1",
      "+tries=1",
      "@127.0.0.1",
      "allowed.test",
      "A",
    ]);
    if (r.stdout.trim() === HOSTS.allowed.v4) break;
    if (i >= 30) throw new Error(`test DNS server did not come up: ${r.stdout} ${r.stderr}`);
    await new Promise((res) => setTimeout(res, 500));
  }
  return {
    network,
    nsupdate: async (lines) => {
      const r = await docker(["exec", "-i", dnsName, "nsupdate", "-l"], {
        input: `zone test\n${lines.join("\n")}\nsend\n`,
        timeout: 30_000,
      });
      if (r.exitCode !== 0) throw new Error(`nsupdate failed: ${r.stderr}`);
    },
    collected: async () =>
      (await docker(["exec", `${network}-collector`, "sh", "-c", "cat /tmp/otlp.jsonl 2>/dev/null || true"])).stdout
        .split("\n")
        .filter(Boolean)
        .map((l) => {
          const j = JSON.parse(l) as { path: string; key: string | null; body: string };
          return { path: j.path, key: j.key, body: JSON.parse(j.body) as Record<string, unknown> };
        }),
    digFromDns: async (args) => (await docker(["exec", dnsName, "dig", ...args])).stdout,
    stop: async () => {
      await cleanStale();
    },
  };
}
