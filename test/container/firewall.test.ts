// The egress firewall in the secure image, on the tests' own network with a
// real authoritative DNS server: real nftables, real connections, both sides
// of every rule (what must be blocked is, what must work does).
import { mkdtempSync, writeFileSync, readFileSync, copyFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dockerAvailable, offlineImages } from "./support/docker.js";
import { buildSecureImage, runSecure, type Running } from "./support/secure-image.js";
import { HOSTS, startTestNet, type TestNet } from "./support/testnet.js";
import { REPO_ROOT } from "./support/workspace.js";

const hasDocker = await dockerAvailable();
const TEST_ALLOWLIST = join(REPO_ROOT, "test/fixtures/testnet/allowlist.toml");
const START = "sudo -n /usr/local/bin/init-firewall.sh";

async function timedCurl(c: Running, url: string, extra = ""): Promise<{ code: number; ms: number }> {
  const r = await c.sh(
    `s=$(date +%s%N); curl -s -o /dev/null --max-time 5 ${extra} '${url}'; rc=$?; e=$(date +%s%N); echo "$rc $(( (e - s) / 1000000 ))"`,
  );
  const [code, ms] = r.stdout.trim().split(" ").map(Number);
  return { code: code ?? -1, ms: ms ?? -1 };
}

/**
 * A ruleset's text without what moves on its own: expiries, timeouts, and counters (a re-run starts them
 * at 0, and a stray packet, such as the kernel's own IPv6 multicast report, may count before or after).
 */
const normalise = (s: string) =>
  s
    .replace(/ expires [0-9hms]+/g, "")
    .replace(/ timeout [0-9hms]+/g, "")
    .replace(/ counter packets \d+ bytes \d+/g, " counter");

describe.skipIf(!hasDocker)("egress firewall on the test network", () => {
  let net: TestNet;
  let c: Running;
  let variant: Running;
  let variantDir: string;
  let startLog = "";

  beforeAll(async () => {
    const images = await offlineImages();
    await buildSecureImage(images);
    net = await startTestNet(images);
    c = await runSecure({
      network: net.network,
      dns: HOSTS.dns.v4,
      env: { CORDON_ALLOWLIST: "/etc/cordon-test/allowlist.toml" },
      volumes: [`${TEST_ALLOWLIST}:/etc/cordon-test/allowlist.toml:ro`],
    });
    const r = await c.sh(START);
    startLog = r.stderr;
    if (r.exitCode !== 0) throw new Error(`firewall bring-up failed:\n${r.stderr}`);
    // A second container whose allowlist the tests swap between runs.
    variantDir = mkdtempSync(join(tmpdir(), "cordon-allowlist-"));
    copyFileSync(TEST_ALLOWLIST, join(variantDir, "allowlist.toml"));
    variant = await runSecure({
      network: net.network,
      dns: HOSTS.dns.v4,
      env: { CORDON_ALLOWLIST: "/etc/cordon-test/allowlist.toml" },
      volumes: [`${variantDir}:/etc/cordon-test:ro`],
    });
  });
  afterAll(async () => {
    await c?.remove();
    await variant?.remove();
    await net?.stop();
    if (variantDir) rmSync(variantDir, { recursive: true, force: true });
  });

  it("reports progress and a summary, warning about optional names that do not resolve", () => {
    expect(startLog).toMatch(/\[2\/5\] everything blocked but loopback and DNS to/);
    expect(startLog).toMatch(/\[3\/5\] resolving 7 names/);
    expect(startLog).toMatch(/warning: missing\.test: no such name \(NXDOMAIN\) \(optional/);
    expect(startLog).toMatch(
      /warning: cname-only\.test: cname-only\.test is a CNAME to nowhere\.test, which does not exist/,
    );
    expect(startLog).toMatch(/ok: http:\/\/blocked\.test should be blocked/);
    expect(startLog).toMatch(/ok: http:\/\/allowed\.test should be reachable/);
    expect(startLog).toMatch(/\[5\/5\] self-check passed/);
  });

  it("allows an allowed name over IPv4 and IPv6, also through a CNAME and a shared address", async () => {
    for (const url of [
      "http://allowed.test/",
      `http://${HOSTS.allowed.v4}/`,
      `http://[${HOSTS.allowed.v6}]/`,
      "http://alias.test/",
      "http://shared-a.test/",
      "http://shared-b.test/",
    ]) {
      const r = await c.sh(`curl -s --max-time 5 -g '${url}'`);
      expect(r.stdout, url).toMatch(/^hello from (allowed|shared)/);
    }
  });

  it("rejects names and addresses not on the list, and an allowed name's neighbour, in under 1 s", async () => {
    for (const url of [
      "http://blocked.test/",
      `http://${HOSTS.blocked.v4}/`,
      `http://[${HOSTS.blocked.v6}]/`,
      `http://${HOSTS.neighbor.v4}/`,
      `http://[${HOSTS.neighbor.v6}]/`,
      `https://${HOSTS.cdn2.v4}/`,
    ]) {
      const r = await timedCurl(c, url, "-g");
      expect(r.code, url).toBe(7); // curl: could not connect (reset / ICMP reject), not a timeout (28)
      expect(r.ms, url).toBeLessThan(1000);
    }
    // The twin: from outside the firewall those hosts answer.
    expect(await net.digFromDns(["+short", "@127.0.0.1", "blocked.test"])).toContain(HOSTS.blocked.v4);
  });

  it("allows DNS only to the configured resolver, and nothing to port 853", async () => {
    const ok = await c.sh(
      `dig +short +time=2 +tries=1 @${HOSTS.dns.v4} allowed.test; dig +short +tcp +time=2 +tries=1 @${HOSTS.dns.v4} allowed.test; getent ahostsv4 allowed.test | head -1`,
    );
    expect(ok.stdout.split("\n").filter((l) => l.includes(HOSTS.allowed.v4)).length).toBe(3);
    for (const q of [
      `@${HOSTS.dns2.v4} allowed.test`,
      `+tcp @${HOSTS.dns2.v4} allowed.test`,
      `@${HOSTS.dns2.v6} allowed.test`,
      `@${HOSTS.allowed.v4} allowed.test`,
    ]) {
      const r = await c.sh(`dig +time=1 +tries=1 ${q}`);
      expect(r.stdout, q).not.toMatch(/status: NOERROR/);
      expect(r.exitCode, q).not.toBe(0);
    }
    // The twin: the other server does answer when asked from outside the firewall.
    expect(await net.digFromDns(["+short", `@${HOSTS.dns2.v4}`, "allowed.test"])).toContain(HOSTS.allowed.v4);
    // Port 853 (DNS over TLS) is closed even on an allowed address, whose port 80 works.
    const dot = await timedCurl(c, `telnet://${HOSTS.allowed.v4}:853`);
    expect(dot.code).toBe(7);
    expect((await timedCurl(c, `http://${HOSTS.allowed.v4}:80/`)).code).toBe(0);
  });

  it("keeps Docker's embedded DNS working for the other test hosts' names", async () => {
    const r = await c.sh(
      `getent ahostsv4 ${net.network}-allowed | head -1; getent ahostsv6 ${net.network}-allowed | head -1`,
    );
    expect(r.stdout).toContain(HOSTS.allowed.v4);
    expect(r.stdout).toContain(HOSTS.allowed.v6);
  });

  it("shows names, addresses, expiry and table state in `cordon firewall status`", async () => {
    const r = await c.sh("cordon firewall status");
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^firewall: active \(allowlist enforced\)/);
    expect(r.stdout).toMatch(
      /allowed\.test \[required\]: 198\.51\.100\.10 \(ttl 60s, expires in \d+s\), 2001:db8:cd::10/,
    );
    expect(r.stdout).toMatch(
      /missing\.test: no address\n\s+ttl -s; next refresh in \d+s; last error \(\d+ in a row\): no such name \(NXDOMAIN\)/,
    );
    expect(r.stdout).toMatch(/DNS refresher: healthy: running/);
    expect(r.stdout).toMatch(/kernel table: not checked \(needs root\)/);
    const j = JSON.parse((await c.sh("cordon firewall status --json", "root")).stdout) as {
      live: { present: boolean; sets: Record<string, number> };
    };
    expect(j.live.present).toBe(true);
    expect(j.live.sets.allow4).toBe(3); // allowed, shared (one element for two names), cdn
    expect(j.live.sets.allow6).toBe(1);
  });

  it("does not let the agent user change the rules", async () => {
    const attempts = [
      "nft flush table inet cordon",
      "nft insert rule inet cordon output accept",
      "sudo -n nft flush ruleset",
      "sudo -n CORDON_FIREWALL_MODE=off /usr/local/bin/init-firewall.sh",
      "echo 'version = 1' > /etc/cordon/allowlist.toml",
      "echo 'version = 1' > /etc/cordon-test/allowlist.toml",
    ];
    for (const a of attempts) expect((await c.sh(a)).exitCode, a).not.toBe(0);
    // The environment is not passed through: the start still enforces.
    const env = await c.sh(`CORDON_FIREWALL_MODE=off CORDON_ALLOWLIST=/dev/null ${START}`);
    expect(env.exitCode).toBe(0);
    expect(env.stderr).not.toMatch(/DISABLED/);
    expect((await timedCurl(c, "http://blocked.test/")).code).toBe(7);
    expect((await timedCurl(c, "http://allowed.test/")).code).toBe(0);
    expect((await c.sh("stat -c '%U %a' /etc/cordon/allowlist.toml")).stdout.trim()).toBe("root 644");
  });

  it("repairs rules root tampered with, and a re-run leaves the same ruleset", async () => {
    const before = normalise((await c.sh("nft list table inet cordon", "root")).stdout);
    expect((await c.sh("nft insert rule inet cordon output accept", "root")).exitCode).toBe(0);
    expect((await timedCurl(c, "http://blocked.test/")).code).toBe(0); // the tampering opened it
    expect((await c.sh(START)).exitCode).toBe(0);
    expect((await timedCurl(c, "http://blocked.test/")).code).toBe(7);
    const after = normalise((await c.sh("nft list table inet cordon", "root")).stdout);
    expect(after).toBe(before);
    // Docker's own NAT table for its embedded DNS is untouched by our transactions.
    expect((await c.sh("nft list tables", "root")).stdout).toMatch(/table ip nat/);
  });

  it("keeps the bring-up's compiled code in root's own folder only, and runs without it when that folder is not root's alone", async () => {
    const v = variant;
    expect((await v.sh(START)).exitCode).toBe(0);
    const listing = async () =>
      (await v.sh("stat -c '%U %a %n' /var/cache/cordon/code /var/cache/cordon/code/*", "root")).stdout
        .trim()
        .split("\n");
    const cached = await listing();
    expect(cached).toEqual([
      "root 700 /var/cache/cordon/code",
      expect.stringMatching(/^root 600 \/var\/cache\/cordon\/code\/bring-up-[0-9a-f]{16}\.cjs-v22\.\d+\.\d+-x64\.v8$/),
    ]);
    // The agent user can put nothing there (cached code from there runs as root).
    expect((await v.sh("touch /var/cache/cordon/code/x || mkdir -p /var/cache/cordon/x")).exitCode).not.toBe(0);
    // A folder someone else could write is not used: no cache read or written, the bring-up as before.
    await v.sh("rm -f /var/cache/cordon/code/*.v8 && chmod 777 /var/cache/cordon", "root");
    expect((await v.sh(START)).exitCode).toBe(0);
    expect(await listing()).toEqual(["root 700 /var/cache/cordon/code"]); // no cache file
    expect((await timedCurl(v, "http://blocked.test/")).code).toBe(7);
    expect((await v.sh("curl -s --max-time 5 http://allowed.test/")).stdout).toMatch(/^hello from allowed/);
    await v.sh("chmod 700 /var/cache/cordon", "root");
  });

  it("adds a CIDR source's ranges (its reader loaded only for it, by the one-file bring-up), and drops them once it is gone", async () => {
    const file = join(variantDir, "allowlist.toml");
    const good = readFileSync(TEST_ALLOWLIST, "utf8");
    writeFileSync(join(variantDir, "ranges.txt"), `# the neighbour host alone\n${HOSTS.neighbor.v4}/32\n`);
    writeFileSync(
      file,
      `${good}\n[[cidrs.sources]]\nname = "ranges"\nfile = "/etc/cordon-test/ranges.txt"\nrequired = true\n`,
    );
    const r = await variant.sh(START);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/CIDR source ranges: 1 ranges/);
    expect((await variant.sh(`curl -s --max-time 5 http://${HOSTS.neighbor.v4}/`)).stdout).toMatch(
      /^hello from neighbor/,
    );
    expect((await timedCurl(variant, "http://blocked.test/")).code).toBe(7);
    writeFileSync(file, good);
    expect((await variant.sh(START)).exitCode).toBe(0);
    expect((await timedCurl(variant, `http://${HOSTS.neighbor.v4}/`)).code).toBe(7);
  });

  it("fails the start with deny-all left when a required name does not resolve, and recovers", async () => {
    const file = join(variantDir, "allowlist.toml");
    const good = readFileSync(TEST_ALLOWLIST, "utf8");
    writeFileSync(file, good.replace('required = ["allowed.test"]', 'required = ["allowed.test", "missing.test"]'));
    const r = await variant.sh(START);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/required names did not resolve:\s+missing\.test: no such name/);
    expect(r.stderr).toMatch(/all egress stays blocked/);
    expect((await timedCurl(variant, "http://198.51.100.10/")).code).toBe(7);
    const st = await variant.sh("cordon firewall status");
    expect(st.exitCode).toBe(3);
    expect(st.stdout).toMatch(/DENY-ALL/);
    expect((await variant.sh("dig +time=1 +tries=1 @198.51.100.53 allowed.test")).exitCode).not.toBe(0);
    writeFileSync(file, good);
    expect((await variant.sh(START)).exitCode).toBe(0);
    expect((await timedCurl(variant, "http://allowed.test/")).code).toBe(0);
  });

  it("fails closed on a malformed allowlist, naming the line and value", async () => {
    const file = join(variantDir, "allowlist.toml");
    writeFileSync(
      file,
      readFileSync(TEST_ALLOWLIST, "utf8").replace(
        '"allowed.test", "alias.test"',
        '"allowed.test", "Not A Name", "alias.test"',
      ),
    );
    const r = await variant.sh(START);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/line 10: allow\.names\[1\]: "Not A Name" is not a valid DNS name/);
    expect((await timedCurl(variant, "http://allowed.test/")).code).not.toBe(0);
    writeFileSync(file, readFileSync(TEST_ALLOWLIST, "utf8"));
  });
});
