// The DNS forwarder against a real bind9 (`named` on loopback, records changed
// with nsupdate, its query log read back), queried by a real client (dig).
// The firewall admission is the one seam replaced here (it records, or fails
// on demand); the container suite runs the forwarder with real nftables.
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { execa } from "execa";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sleep } from "../../common/sleep.js";
import type { AdmittedAddress } from "../../firewall/dns-forwarder/answer.js";
import { DnsForwarder } from "../../firewall/dns-forwarder/forwarder.js";
import { Upstream } from "../../firewall/dns-forwarder/upstream.js";
import { rebindingReason, rebindPolicy } from "../../firewall/rebinding.js";

const NAMED = "/usr/sbin/named";
const hasNamed = existsSync(NAMED) && process.getuid?.() === 0;
const UP_PORT = 15353;
const FWD_PORT = 15354;

const ZONE_TEST = `$ORIGIN test.
$TTL 60
@         IN SOA ns.test. admin.test. ( 1 60 30 600 5 )
@         IN NS  ns.test.
ns        IN A    127.0.0.1
allowed 1 IN A    198.51.100.10
allowed   IN AAAA 2001:db8:cd::10
blocked   IN A    198.51.100.11
v6only    IN AAAA 2001:db8:cd::30
alias     IN CNAME target.other.
rebind    IN A    10.0.0.5
rebind    IN A    198.51.100.20
*.cdn     IN A    198.51.100.14
${Array.from({ length: 40 }, (_, i) => `big IN A 198.51.100.${100 + i}`).join("\n")}
`;
const ZONE_OTHER = `$ORIGIN other.
$TTL 60
@       IN SOA ns.test. admin.test. ( 1 60 30 600 5 )
@       IN NS  ns.test.
target  IN A   198.51.100.40
`;

let dir = "";
let named: ChildProcess | null = null;
let fwd: DnsForwarder;
const admitted: { name: string; addresses: string[]; ttl: number; at: number }[] = [];
let failAdmission = false;
let admitDelayMs = 0;

/** dig against the forwarder (asynchronously: the forwarder runs in this process): status, answer lines, reply time. */
async function dig(name: string, type = "A", ...opts: string[]) {
  const r = await execa("dig", [`@127.0.0.1`, "-p", String(FWD_PORT), "+time=2", "+tries=1", ...opts, name, type], {
    reject: false,
  });
  const status = /status: (\w+)/.exec(r.stdout)?.[1] ?? `no reply: ${r.stdout}${r.stderr}`;
  const section = r.stdout.split(";; ANSWER SECTION:\n")[1]?.split("\n\n")[0] ?? "";
  const answers = section
    .split("\n")
    .filter((l) => l && !l.startsWith(";") && /\sIN\s/.test(l))
    .map((l) =>
      l
        .split(/\s+/)
        .filter((_, i) => i !== 1)
        .join(" "),
    );
  return { status, answers, at: Date.now(), raw: r.stdout };
}
const queryLog = () => (existsSync(join(dir, "queries.log")) ? readFileSync(join(dir, "queries.log"), "utf8") : "");

function nsupdate(lines: string[]) {
  execFileSync("nsupdate", ["-k", join(dir, "session.key")], {
    input: `server 127.0.0.1 ${UP_PORT}\nzone test\n${lines.join("\n")}\nsend\n`,
  });
}

describe.skipIf(!hasNamed)("DNS forwarder against bind9", () => {
  beforeAll(async () => {
    dir = mkdtempSync("/var/tmp/cordon-fwd-");
    writeFileSync(join(dir, "test.zone"), ZONE_TEST);
    writeFileSync(join(dir, "other.zone"), ZONE_OTHER);
    writeFileSync(
      join(dir, "named.conf"),
      `options {
  directory "${dir}";
  listen-on port ${UP_PORT} { 127.0.0.1; };
  listen-on-v6 { none; };
  pid-file "${dir}/named.pid";
  session-keyfile "${dir}/session.key";
  recursion no;
  dnssec-validation no;
  querylog yes;
};
logging { channel q { file "${dir}/queries.log"; print-time yes; }; category queries { q; }; };
zone "test" { type master; file "${dir}/test.zone"; update-policy local; };
zone "other" { type master; file "${dir}/other.zone"; };
`,
    );
    named = spawn(NAMED, ["-f", "-c", join(dir, "named.conf")], { stdio: "ignore" });
    for (let i = 0; i < 100; i++) {
      const r = spawnSync("dig", ["@127.0.0.1", "-p", String(UP_PORT), "+short", "+time=1", "+tries=1", "ns.test"], {
        encoding: "utf8",
      });
      if (r.stdout.trim() === "127.0.0.1") break;
      if (i === 99) throw new Error("named did not come up");
      await sleep(100);
    }
    const policy = rebindPolicy(
      { exempt_cidrs: ["198.51.100.0/24", "2001:db8:cd::/64"], exempt_names: [] },
      { subnets: [], addresses: [] },
    );
    const upstream = new Upstream({ servers: ["127.0.0.1"], port: UP_PORT, timeoutMs: 1000 });
    fwd = new DnsForwarder(
      {
        patterns: ["allowed.test", "alias.test", "v6only.test", "rebind.test", "big.test", "*.cdn.test"],
        minTtl: 1,
        maxTtl: 3600,
        grace: 0,
        refuseWith: "refused",
      },
      {
        now: Date.now,
        exchange: (q) => upstream.exchange(q),
        admit: async (name: string, addresses: AdmittedAddress[], ttl: number) => {
          if (admitDelayMs) await sleep(admitDelayMs);
          if (failAdmission) throw new Error("nft: simulated failure");
          admitted.push({ name, addresses: addresses.map((a) => a.address), ttl, at: Date.now() });
        },
        rebinding: (name, address) => rebindingReason(name, address, policy),
        log: () => undefined,
      },
    );
    await fwd.listen("127.0.0.1", FWD_PORT);
  });
  afterAll(async () => {
    fwd?.close();
    // named writes its journal and pid file into `dir` while it stops: wait (bounded) for it to be
    // gone before removing the directory, which otherwise raced it (ENOTEMPTY) once in a full run.
    const p = named;
    if (p && p.exitCode === null && p.signalCode === null) {
      const gone = new Promise<void>((resolve) => p.once("exit", () => resolve()));
      p.kill("SIGTERM");
      await Promise.race([gone, new Promise<void>((resolve) => setTimeout(resolve, 5000))]);
    }
    if (dir) rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  });

  it("answers an allowed name only after its addresses are admitted", async () => {
    admitDelayMs = 300;
    const r = await dig("allowed.test");
    admitDelayMs = 0;
    expect(r).toMatchObject({ status: "NOERROR", answers: ["allowed.test. IN A 198.51.100.10"] });
    const adm = admitted.find((a) => a.name === "allowed.test")!;
    expect(adm.addresses).toEqual(["198.51.100.10"]);
    expect(r.at).toBeGreaterThanOrEqual(adm.at);
  });

  it("refuses an unlisted name without asking bind, over UDP and TCP", async () => {
    for (const opts of [[], ["+tcp"]]) expect((await dig("blocked.test", "A", ...opts)).status).toBe("REFUSED");
    expect((await dig("exfil-c2VjcmV0.blocked.test", "TXT")).status).toBe("REFUSED");
    await sleep(200);
    const log = queryLog();
    expect(log).toMatch(/query: allowed\.test IN A/);
    expect(log).not.toMatch(/blocked\.test/);
    expect(fwd.status(Date.now()).refusedSample).toEqual(
      expect.arrayContaining(["blocked.test", "exfil-c2vjcmv0.blocked.test"]),
    );
  });

  it("admits any name below a wildcard at once, and nothing beside it", async () => {
    expect((await dig("fresh-1234.cdn.test")).answers).toEqual(["fresh-1234.cdn.test. IN A 198.51.100.14"]);
    expect((await dig("cdn.test")).status).toBe("REFUSED");
    expect((await dig("cdn.test.evil.test")).status).toBe("REFUSED");
  });

  it("serves a changed record once the old one's TTL is up, admitting the new address", async () => {
    nsupdate(["update delete allowed.test A", "update add allowed.test 1 A 198.51.100.12"]);
    await sleep(1100);
    expect((await dig("allowed.test")).answers).toEqual(["allowed.test. IN A 198.51.100.12"]);
    expect(admitted.at(-1)).toMatchObject({ name: "allowed.test", addresses: ["198.51.100.12"] });
    nsupdate(["update delete allowed.test A", "update add allowed.test 1 A 198.51.100.10"]);
  });

  it("follows a CNAME into another zone, and admits its target as part of the chain", async () => {
    expect((await dig("alias.test")).answers).toEqual([
      "alias.test. IN CNAME target.other.",
      "target.other. IN A 198.51.100.40",
    ]);
    expect(admitted.at(-1)).toMatchObject({ name: "alias.test", addresses: ["198.51.100.40"] });
    expect((await dig("target.other")).status).toBe("NOERROR"); // led there by an allowed name
  });

  it("answers AAAA-only names: no A, the AAAA admitted", async () => {
    expect(await dig("v6only.test", "A")).toMatchObject({ status: "NOERROR", answers: [] });
    expect((await dig("v6only.test", "AAAA")).answers).toEqual(["v6only.test. IN AAAA 2001:db8:cd::30"]);
    expect(admitted.at(-1)).toMatchObject({ name: "v6only.test", addresses: ["2001:db8:cd::30"] });
  });

  it("strips rebinding answers and admits only the rest", async () => {
    expect((await dig("rebind.test")).answers).toEqual(["rebind.test. IN A 198.51.100.20"]);
    expect(admitted.at(-1)).toMatchObject({ name: "rebind.test", addresses: ["198.51.100.20"] });
    expect(fwd.counters.stripped).toBeGreaterThanOrEqual(1);
  });

  it("goes to TCP for a truncated upstream answer and tells a UDP client to do the same", async () => {
    const r = await dig("big.test", "A", "+noedns");
    expect(r.status).toBe("NOERROR");
    expect(r.answers).toHaveLength(40);
    expect(r.raw).toMatch(/Truncated, retrying in TCP mode/);
    expect(admitted.at(-1)?.addresses).toHaveLength(40);
  });

  it("answers SERVFAIL when the firewall cannot admit, caches nothing, and recovers", async () => {
    failAdmission = true;
    expect((await dig("x1.cdn.test")).status).toBe("SERVFAIL");
    failAdmission = false;
    expect((await dig("x1.cdn.test")).answers).toEqual(["x1.cdn.test. IN A 198.51.100.14"]);
  });

  it("answers reverse lookups for admitted addresses only", async () => {
    expect((await dig("20.100.51.198.in-addr.arpa", "PTR")).answers).toEqual([
      "20.100.51.198.in-addr.arpa. IN PTR rebind.test.",
    ]);
    expect((await dig("11.100.51.198.in-addr.arpa", "PTR")).status).toBe("REFUSED");
  });

  it("prunes expired cache entries at most every 30 s, on a status write", async () => {
    expect((await dig("allowed.test")).status).toBe("NOERROR");
    const t = Date.now() + 10 * 3600_000; // every entry expired by then
    expect(fwd.status(t).cache).toBe(0); // the first write past the interval prunes
    expect((await dig("allowed.test")).status).toBe("NOERROR"); // cached again, now
    const late = t + 3600_000;
    expect(fwd.status(t + 10_000).cache).toBe(1); // within 30 s of the last prune: left (it serves nothing)
    expect(fwd.status(late).cache).toBe(0);
  });

  it("answers every query of a burst larger than the kernel's default receive buffer holds", async () => {
    const dgram = await import("node:dgram");
    const dnsPacket = (await import("dns-packet")).default;
    expect((await dig("allowed.test")).status).toBe("NOERROR"); // cached from here on
    // 400 queries sent before the forwarder (in this process) can read one. A socket's default
    // buffer holds 256 such datagrams here; the forwarder's asks for 1 MiB, which even at the
    // kernel's default cap (twice rmem_max, 425 984 bytes) holds over 500.
    const N = 400;
    const burst = async (port: number) => {
      const client = dgram.createSocket("udp4");
      await new Promise<void>((r) => client.bind(0, "127.0.0.1", () => r()));
      client.setRecvBufferSize(1 << 20); // the replies' side is not under test
      const ids = new Set<number>();
      client.on("message", (m) => {
        const p = dnsPacket.decode(m);
        if (((p.flags ?? 0) & 15) === 0 && p.answers?.length) ids.add(p.id!);
      });
      for (let id = 1; id <= N; id++)
        client.send(
          dnsPacket.encode({ id, type: "query", questions: [{ type: "A", name: "allowed.test" }] }),
          port,
          "127.0.0.1",
        );
      for (let i = 0; i < 50 && ids.size < N; i++) await sleep(20);
      client.close();
      return ids.size;
    };
    expect(await burst(FWD_PORT)).toBe(N);
    // The other side: a plain responder with the default buffer, the same burst, loses part of it.
    const plain = dgram.createSocket("udp4");
    await new Promise<void>((r) => plain.bind(0, "127.0.0.1", () => r()));
    plain.on("message", (m, r) => {
      const q = dnsPacket.decode(m);
      plain.send(
        dnsPacket.encode({
          ...q,
          type: "response",
          answers: [{ type: "A", name: "allowed.test", data: "198.51.100.10" }],
        }),
        r.port,
        r.address,
      );
    });
    const lost = N - (await burst(plain.address().port));
    plain.close();
    expect(lost).toBeGreaterThan(0);
  });

  it("survives garbage and keeps answering", async () => {
    const dgram = await import("node:dgram");
    const s = dgram.createSocket("udp4");
    await new Promise<void>((r) => s.send(Buffer.from("not dns at all"), FWD_PORT, "127.0.0.1", () => r()));
    s.close();
    expect((await dig("allowed.test")).status).toBe("NOERROR");
    expect(fwd.counters.malformed).toBeGreaterThanOrEqual(1);
  });
});
