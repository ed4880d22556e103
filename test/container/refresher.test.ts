// The DNS refresher for real: the secure image on the tests' own network,
// bind9 records changed at run time with nsupdate, real nftables sets, real
// connections. Short TTLs (the allowlist lowers min_ttl/grace/min_interval) so
// each bound below is 0.75 x TTL + 2 s or TTL + grace + 1 s plus polling slack.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { canonicalIp } from "../../firewall/net-address.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { docker, dockerAvailable, offlineImages } from "./support/docker.js";
import { buildSecureImage, runSecure, type Running } from "./support/secure-image.js";
import { HOSTS, startTestNet, type TestNet } from "./support/testnet.js";

const hasDocker = await dockerAvailable();
const BULK = 1000;
const bulk = (i: number) => `bulk-${i}.test`;
const GRACE = 1;
const POLL_SLACK_MS = 700;

interface Status {
  pid: number;
  restarts: number;
  names: Record<
    string,
    {
      ttl: number | null;
      chain: string[];
      lastError: string | null;
      lastRefreshAt: string | null;
      addresses: { address: string }[];
    }
  >;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!hasDocker)("DNS refresher on the test network", () => {
  let net: TestNet;
  let c: Running;
  let ownIp = "";
  let broughtUpAt = 0;
  let bringUpLog = "";
  let dir = "";

  const root = (script: string) => c.sh(script, "root");
  const status = async (): Promise<Status> =>
    JSON.parse((await root("cat /run/cordon/refresher/status.json")).stdout) as Status;
  const inSet = async (addr: string): Promise<boolean> => {
    const set = addr.includes(":") ? "allow6" : "allow4";
    const out = (await root(`nft -j list set inet cordon ${set}`)).stdout;
    return out.includes(`"${addr}"`);
  };
  /** curl exit code: 0 connected and answered, 7 rejected by the firewall. */
  const curl = async (addr: string) =>
    (
      await c.sh(`curl -s -o /dev/null --max-time 3 -g 'http://${addr.includes(":") ? `[${addr}]` : addr}/'; echo $?`)
    ).stdout.trim();
  /** Polls `check` every 200 ms until true; returns the ms it took. Bounded. */
  const within = async (limitMs: number, check: () => Promise<boolean>): Promise<number> => {
    const t0 = Date.now();
    while (Date.now() - t0 < limitMs + 5000) {
      if (await check()) return Date.now() - t0;
      await sleep(200);
    }
    return Number.POSITIVE_INFINITY;
  };

  beforeAll(async () => {
    const images = await offlineImages();
    await buildSecureImage(images);
    net = await startTestNet(images);
    dir = mkdtempSync(join(tmpdir(), "cordon-refresher-"));
    const special = [
      "rot.test",
      "chain.test",
      "loop-a.test",
      "tc.test",
      "gone.test",
      "share-x.test",
      "share-y.test",
      "rebind.test",
      "collector.test",
    ];
    writeFileSync(
      join(dir, "allowlist.toml"),
      [
        "version = 1",
        "[dns]",
        `resolvers = ["${HOSTS.dns.v4}"]`,
        "[allow]",
        `names = ${JSON.stringify([...special, ...Array.from({ length: BULK }, (_, i) => bulk(i))])}`,
        "[refresher]",
        `min_ttl = 1`,
        `grace = ${GRACE}`,
        "min_interval = 0.5",
        "[rebind]",
        `exempt_cidrs = ["198.51.100.0/24", "2001:db8:cd::/64"]`,
        "[telemetry]",
        'environment = "ci"',
        'exporter = { otlp-http = { endpoint = "http://collector.test:4318/v1/logs", protocol = "json", headers = { "x-otlp-key" = "${OTLP_TEST_TOKEN}" } } }',
      ].join("\n"),
    );
    c = await runSecure({
      network: net.network,
      dns: HOSTS.dns.v4,
      env: { CORDON_ALLOWLIST: "/etc/cordon-test/allowlist.toml", OTLP_TEST_TOKEN: "tok-from-container-env" },
      volumes: [`${dir}:/etc/cordon-test:ro`],
    });
    ownIp = (await root("ip -j -4 addr show eth0 | jq -r '.[0].addr_info[0].local'")).stdout.trim();
    await net.nsupdate([
      `update add rot.test 3 A ${HOSTS.cdn.v4}`,
      "update add chain.test 50 CNAME hop1.test",
      "update add hop1.test 40 CNAME hop2.test",
      "update add hop2.test 4 CNAME hop3.test",
      `update add hop3.test 60 A ${HOSTS.allowed.v4}`,
      "update add loop-a.test 30 CNAME loop-b.test",
      "update add loop-b.test 30 CNAME loop-a.test",
      ...Array.from({ length: 40 }, (_, i) => `update add tc.test 8 A 198.51.100.${160 + i}`),
      `update add gone.test 6 A ${HOSTS.neighbor.v4}`,
      `update add share-x.test 3 A ${HOSTS.shared.v4}`,
      `update add share-y.test 3 A ${HOSTS.shared.v4}`,
      ...["10.0.0.1", "127.0.0.1", "169.254.169.254", "198.51.100.1", ownIp, HOSTS.allowed.v4].map(
        (a) => `update add rebind.test 8 A ${a}`,
      ),
      ...["::1", "::ffff:10.0.0.1", "64:ff9b::a00:1", "fd00::1", "2001:db8:cd::1"].map(
        (a) => `update add rebind.test 8 AAAA ${a}`,
      ),
    ]);
    for (let start = 0; start < BULK; start += 250) {
      const lines: string[] = [];
      for (let i = start; i < Math.min(BULK, start + 250); i++) {
        lines.push(
          `update add ${bulk(i)} 10 A 198.51.100.${100 + (i % 50)}`,
          `update add ${bulk(i)} 10 AAAA 2001:db8:cd::1:${i.toString(16)}`,
        );
      }
      await net.nsupdate(lines);
    }
    const up = await c.sh("sudo -n /usr/local/bin/init-firewall.sh");
    if (up.exitCode !== 0) throw new Error(`bring-up failed:\n${up.stderr}`);
    broughtUpAt = Date.now();
    bringUpLog = up.stderr;
    expect(up.stderr).toMatch(/DNS refresher started \(supervisor pid \d+, user cordon-dns/);
    for (let i = 0; i < 50 && (await root("test -s /run/cordon/refresher/status.json")).exitCode !== 0; i++)
      await sleep(100);
  }, 900_000);
  afterAll(async () => {
    await c?.remove();
    await net?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("runs as cordon-dns with CAP_NET_ADMIN only and no_new_privs; the agent user cannot stop it", async () => {
    const st = await status();
    const p = (await root(`grep -E '^(Uid|CapEff|CapBnd|CapAmb|NoNewPrivs)' /proc/${st.pid}/status`)).stdout;
    expect(p).toMatch(/CapEff:\s+0000000000001000/);
    expect(p).toMatch(/CapBnd:\s+0000000000001000/);
    expect(p).toMatch(/NoNewPrivs:\s+1/);
    expect((await root(`ps -o user= -p ${st.pid}`)).stdout.trim()).toBe("cordon-dns");
    const k = await c.sh(`kill ${st.pid}`);
    expect(k.exitCode).not.toBe(0);
    expect(k.stderr).toMatch(/Operation not permitted/);
    expect((await status()).pid).toBe(st.pid);
    // The supervisor's pid, which the next bring-up (root) signals, is root's to write, not the
    // refresher user's: a daemon taken over could otherwise steer that signal.
    const sup = (await root("stat -c '%U %a' /run/cordon/refresher-supervisor.pid /run/cordon")).stdout.split("\n");
    expect(sup.slice(0, 2)).toEqual(["root 644", "root 755"]);
    const supPid = (await root("cat /run/cordon/refresher-supervisor.pid")).stdout.trim();
    expect((await root(`ps -o user:20=,args= -p ${supPid}`)).stdout).toMatch(/^cordon-dns .*supervisor-main\.js/);
    const s = await c.sh("cordon firewall status");
    expect(s.exitCode).toBe(0);
    expect(s.stdout).toMatch(/DNS refresher: healthy: running/);
    expect(s.stdout).toMatch(/rot\.test: 198\.51\.100\.14 \(ttl 3s/);
    // The log is readable by the agent user.
    expect((await c.sh("cat /var/log/cordon/refresher.log")).stdout).toMatch(/keeping 1009 names in step with DNS/);
  });

  it("uses the minimum TTL over a 3-hop CNAME chain, rejects a CNAME loop, and falls back to TCP on truncation", async () => {
    const st = await status();
    expect(st.names["chain.test"]).toMatchObject({
      ttl: 4,
      chain: ["chain.test", "hop1.test", "hop2.test", "hop3.test"],
    });
    // bind detects a loop inside its own zone and answers SERVFAIL; a loop it
    // passes on is caught by the resolver (test/host/resolver.test.ts).
    expect(st.names["loop-a.test"]?.lastError).toMatch(/CNAME loop|SERVFAIL/);
    expect(st.names["loop-a.test"]?.addresses).toEqual([]);
    expect(st.names["tc.test"]?.addresses).toHaveLength(40);
    expect(await inSet("198.51.100.160")).toBe(true);
    expect(await inSet("198.51.100.199")).toBe(true);
  });

  it("never lets rebinding answers into a set, and logs each with name and address", async () => {
    const bad = [
      "10.0.0.1",
      "127.0.0.1",
      "169.254.169.254",
      "198.51.100.1",
      ownIp,
      "::1",
      "::ffff:10.0.0.1",
      "64:ff9b::a00:1",
      "fd00::1",
      "2001:db8:cd::1",
    ];
    for (const a of bad) expect(await inSet(a), a).toBe(false);
    expect(await inSet(HOSTS.allowed.v4)).toBe(true); // the good answer of the same name is in
    const st = await status();
    const dropped = st.names["rebind.test"] as unknown as { dropped: { address: string; reason: string }[] };
    expect(dropped.dropped.map((d) => canonicalIp(d.address)).sort()).toEqual(bad.map(canonicalIp).sort());
    // Bring-up logs each drop; the refresher logs drops it has not seen before.
    for (const a of ["10.0.0.1", "169.254.169.254", ownIp])
      expect(bringUpLog).toContain(`dropped ${a} for rebind.test`);
  });

  it("accepts a new address within 0.75 x TTL + 2 s, and rejects it before", async () => {
    expect(await curl(HOSTS.cdn2.v4)).toBe("7");
    await net.nsupdate([`update add rot.test 3 A ${HOSTS.cdn2.v4}`]);
    const ms = await within(0.75 * 3000 + 2000, async () => (await curl(HOSTS.cdn2.v4)) === "0");
    expect(ms).toBeLessThanOrEqual(0.75 * 3000 + 2000 + POLL_SLACK_MS);
  });

  it("rejects new connections to a removed address by TTL + grace + 1 s, while an established one keeps working", async () => {
    expect(await curl(HOSTS.cdn.v4)).toBe("0");
    await c.sh(
      `rm -f /tmp/est.*; setsid bash -c 'exec 3<>/dev/tcp/${HOSTS.cdn.v4}/80 && echo open > /tmp/est.state; for i in $(seq 1 200); do [ -f /tmp/est.go ] && break; sleep 0.1; done; printf "GET / HTTP/1.0\\r\\n\\r\\n" >&3; timeout 3 cat <&3 > /tmp/est.out' >/dev/null 2>&1 < /dev/null &`,
    );
    expect(
      await within(3000, async () => (await c.sh("cat /tmp/est.state 2>/dev/null")).stdout.includes("open")),
    ).toBeLessThan(3000);
    await net.nsupdate([`update delete rot.test A ${HOSTS.cdn.v4}`]);
    const ms = await within((3 + GRACE + 1) * 1000, async () => (await curl(HOSTS.cdn.v4)) === "7");
    expect(ms).toBeLessThanOrEqual((3 + GRACE + 1) * 1000 + POLL_SLACK_MS);
    expect(await inSet(HOSTS.cdn.v4)).toBe(false);
    await c.sh("touch /tmp/est.go");
    expect(
      await within(4000, async () => (await c.sh("cat /tmp/est.out 2>/dev/null")).stdout.includes("hello from cdn")),
    ).toBeLessThan(4000);
    expect(await curl(HOSTS.cdn2.v4)).toBe("0"); // the name's other address still works
  });

  it("keeps an address shared by two names while either still has it", async () => {
    await net.nsupdate([`update delete share-x.test A ${HOSTS.shared.v4}`]);
    await sleep((3 + GRACE + 2) * 1000);
    expect(await curl(HOSTS.shared.v4)).toBe("0");
    await net.nsupdate([`update delete share-y.test A ${HOSTS.shared.v4}`]);
    const ms = await within((3 + GRACE + 1) * 1000, async () => (await curl(HOSTS.shared.v4)) === "7");
    expect(ms).toBeLessThanOrEqual((3 + GRACE + 1) * 1000 + POLL_SLACK_MS);
  });

  it("on NXDOMAIN keeps the last good address only until its expiry", async () => {
    const t0 = Date.now();
    await net.nsupdate(["update delete gone.test"]);
    expect(await curl(HOSTS.neighbor.v4)).toBe("0"); // still within its TTL
    expect(await within((6 + GRACE + 1) * 1000, async () => (await curl(HOSTS.neighbor.v4)) === "7")).toBeLessThan(
      Number.POSITIVE_INFINITY,
    );
    expect(Date.now() - t0).toBeLessThanOrEqual((6 + GRACE + 1) * 1000 + POLL_SLACK_MS);
    expect((await status()).names["gone.test"]?.lastError).toMatch(/NXDOMAIN/);
  });

  it("resolves and refreshes 1000 names without error", async () => {
    const ok = await within(30_000, async () => {
      const st = await status();
      return Array.from({ length: BULK }, (_, i) => st.names[bulk(i)]).every(
        (n) => n && !n.lastError && n.lastRefreshAt && Date.parse(n.lastRefreshAt) > broughtUpAt,
      );
    });
    expect(ok).toBeLessThan(Number.POSITIVE_INFINITY);
    const sets = (await root("nft -j list set inet cordon allow6")).stdout;
    for (const i of [0, 1, 499, 998, 999]) expect(sets).toContain(`"2001:db8:cd::1:${i.toString(16)}"`);
    expect(await inSet("198.51.100.149")).toBe(true);
  });

  it("is restarted by its supervisor when killed", async () => {
    const before = await status();
    await root(`kill -9 ${before.pid}`);
    const ms = await within(10_000, async () => {
      const s = await status().catch(() => before);
      return s.pid !== before.pid && s.restarts >= 1;
    });
    expect(ms).toBeLessThan(10_000);
    expect((await c.sh("cordon firewall status")).exitCode).toBe(0);
    expect((await c.sh("cat /var/log/cordon/refresher.log")).stdout).toMatch(
      /refresher exited \(SIGKILL\); restarting in 1 s/,
    );
  });

  it("with the resolver down keeps last-good addresses until expiry, then recovers", async () => {
    const dns = `${net.network}-dns`;
    expect(await curl(HOSTS.cdn2.v4)).toBe("0");
    await docker(["pause", dns]);
    try {
      const ms = await within((3 + GRACE + 1) * 1000, async () => (await curl(HOSTS.cdn2.v4)) === "7");
      expect(ms).toBeLessThanOrEqual((3 + GRACE + 1) * 1000 + POLL_SLACK_MS);
      const seen = await within(5000, async () =>
        /no answer from 198\.51\.100\.53/.test((await status()).names["rot.test"]?.lastError ?? ""),
      );
      const diag =
        seen < 5000
          ? ""
          : `rot.test: ${JSON.stringify((await status()).names["rot.test"])}\nlog:\n${(await c.sh("tail -n 15 /var/log/cordon/refresher.log")).stdout}`;
      expect(seen, diag).toBeLessThan(5000);
    } finally {
      await docker(["unpause", dns]);
    }
    expect(await within(20_000, async () => (await curl(HOSTS.cdn2.v4)) === "0")).toBeLessThan(20_000);
  });

  it("sends its telemetry as cordon-dns to the allowlist's collector on the test network", async () => {
    type KV = { key: string; value: { stringValue?: string; intValue?: string | number; boolValue?: boolean } };
    const attrs = (l: KV[] = []) =>
      Object.fromEntries(l.map((a) => [a.key, a.value.stringValue ?? a.value.boolValue ?? Number(a.value.intValue)]));
    const read = async () => {
      const logs: { name: string; attributes: Record<string, unknown>; service: unknown }[] = [];
      const points: { name: string; attributes: Record<string, unknown> }[] = [];
      for (const e of await net.collected()) {
        for (const rl of (e.body.resourceLogs ?? []) as {
          resource: { attributes: KV[] };
          scopeLogs: { logRecords: { eventName?: string; attributes: KV[] }[] }[];
        }[])
          for (const sl of rl.scopeLogs)
            for (const r of sl.logRecords)
              logs.push({
                name: r.eventName ?? "",
                attributes: attrs(r.attributes),
                service: attrs(rl.resource.attributes)["service.name"],
              });
        for (const rm of (e.body.resourceMetrics ?? []) as {
          scopeMetrics: { metrics: { name: string; sum?: { dataPoints: { attributes: KV[] }[] } }[] }[];
        }[])
          for (const sm of rm.scopeMetrics)
            for (const m of sm.metrics)
              for (const p of m.sum?.dataPoints ?? []) points.push({ name: m.name, attributes: attrs(p.attributes) });
      }
      return { logs, points };
    };
    let got = await read();
    // Metrics leave every 10 s; logs every second.
    for (let i = 0; i < 40 && !got.points.some((p) => p.name === "cordon.dns.queries"); i++) {
      await sleep(500);
      got = await read();
    }
    expect(got.logs.every((l) => l.service === "cordon-dns")).toBe(true);
    const bringup = got.logs.find((l) => l.name === "cordon.firewall_bringup");
    expect(bringup?.attributes).toMatchObject({ phase: "enforce", success: true, names: 1009 });
    expect(
      got.logs.some(
        (l) =>
          l.name === "cordon.firewall_drop" &&
          l.attributes.name === "rebind.test" &&
          l.attributes.address === "10.0.0.1",
      ),
    ).toBe(true);
    expect(
      got.logs.some(
        (l) =>
          l.name === "cordon.firewall_address_change" &&
          l.attributes.name === "rot.test" &&
          String(l.attributes.added).includes(HOSTS.cdn2.v4),
      ),
    ).toBe(true);
    expect(got.points.some((p) => p.name === "cordon.dns.queries" && p.attributes.outcome === "answered")).toBe(true);
    // The header's variable comes from the container's environment, for the bring-up (root, through
    // sudo) and for the refresher (another user) alike; the agent user cannot read it from either.
    expect((await net.collected()).every((e) => e.key === "tok-from-container-env")).toBe(true);
    const st = await status();
    expect(
      (await c.sh(`cat /proc/${st.pid}/environ 2>&1 | tr '\\0' '\\n' | grep -c OTLP_TEST_TOKEN; true`)).stdout,
    ).not.toMatch(/^[1-9]/m);
  });

  it("stopped for good: every entry still expires on time in the kernel", async () => {
    const sup = Number((await root("cat /run/cordon/refresher-supervisor.pid")).stdout.trim());
    await root(`kill -9 -- -${sup}`);
    const t0 = Date.now();
    expect(await curl(HOSTS.cdn2.v4)).toBe("0");
    const empty = async () => {
      const j = JSON.parse((await root("nft -j list table inet cordon")).stdout) as {
        nftables: { set?: { name: string; elem?: unknown[] } }[];
      };
      return j.nftables
        .filter((x) => x.set && ["allow4", "allow6"].includes(x.set.name))
        .every((x) => !x.set?.elem?.length);
    };
    // The longest TTL in this zone for allowed names is 10 s (the bulk names).
    const ms = await within((10 + GRACE + 1) * 1000, empty);
    expect(ms).toBeLessThanOrEqual((10 + GRACE + 1) * 1000 + POLL_SLACK_MS);
    expect(Date.now() - t0).toBeGreaterThan(1000);
    expect(await curl(HOSTS.cdn2.v4)).toBe("7");
    const s = await c.sh("cordon firewall status");
    expect(s.exitCode).toBe(4);
    expect(s.stdout).toMatch(/DNS refresher: NOT HEALTHY: not running/);
  });
});
