// bench/firewall-bringup: cordon's bring-up time for 10, 100 and 1000 allowed
// names against the test DNS server, side by side with a sequential
// `dig`-per-name + per-address set insertion loop shaped like the reference
// setups' init scripts (written here for the comparison; nft stands in for
// ipset, one exec per address as `ipset add` does). Both run in the same
// secure container on the test network, in the same run, and ask the same
// server (bind, its query log off: logging costs it most of its time).
// Each cordon run starts where a container start does: no cordon table, no
// refresher (both removed, untimed, before the run); a re-run of
// init-firewall.sh also replaces a table and stops a refresher (~35 ms more).
//   npx tsx bench/firewall-bringup.ts
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { offlineImages } from "../test/container/support/docker.js";
import { summary, type SummaryRow } from "./summary.js";
import { buildSecureImage, runSecure } from "../test/container/support/secure-image.js";
import { HOSTS, startTestNet } from "../test/container/support/testnet.js";

const SIZES = [10, 100, 1000];
const web = [HOSTS.allowed, HOSTS.blocked, HOSTS.shared, HOSTS.neighbor, HOSTS.cdn, HOSTS.cdn2];
const nameOf = (i: number) => `bench-${i}.test`;

const images = await offlineImages();
await buildSecureImage(images);
const net = await startTestNet(images);
await net.setQueryLog(false);
const dir = mkdtempSync(join(tmpdir(), "cordon-bench-"));
const max = Math.max(...SIZES);
process.stderr.write(`adding ${max} names to the test zone\n`);
for (let start = 0; start < max; start += 250) {
  const lines: string[] = [];
  for (let i = start; i < Math.min(max, start + 250); i++) {
    const h = web[i % web.length] as { v4: string; v6: string };
    lines.push(`update add ${nameOf(i)} 300 A ${h.v4}`, `update add ${nameOf(i)} 300 AAAA ${h.v6}`);
  }
  await net.nsupdate(lines);
}
writeFileSync(join(dir, "allowlist.toml"), "version = 1\n");
const c = await runSecure({
  network: net.network,
  dns: HOSTS.dns.v4,
  env: { CORDON_ALLOWLIST: "/bench/allowlist.toml" },
  volumes: [`${dir}:/bench:ro`],
});

const refLoop = `
set -u
nft add table inet bench; nft add set inet bench ref4 '{ type ipv4_addr; }'; nft add set inet bench ref6 '{ type ipv6_addr; }'
while read -r name; do
  for ip in $(dig +short A "$name" @${HOSTS.dns.v4}); do nft add element inet bench ref4 "{ $ip }" 2>/dev/null || true; done
  for ip in $(dig +short AAAA "$name" @${HOSTS.dns.v4}); do nft add element inet bench ref6 "{ $ip }" 2>/dev/null || true; done
done < /bench/names.txt
`;

const ms = async (script: string, user = "root") => {
  const r = await c.sh(
    `s=$(date +%s%N); ${script} >/tmp/bench.out 2>&1; rc=$?; e=$(date +%s%N); echo "$rc $(( (e - s) / 1000000 ))"`,
    user,
  );
  const [rc, t] = r.stdout.trim().split(" ").map(Number);
  if (rc !== 0)
    throw new Error(`benchmark step failed (${script}): ${(await c.sh("cat /tmp/bench.out", "root")).stdout}`);
  return t as number;
};

const rows: string[] = [];
const table: SummaryRow[] = [];
try {
  for (const n of SIZES) {
    const names = Array.from({ length: n }, (_, i) => nameOf(i));
    writeFileSync(
      join(dir, "allowlist.toml"),
      `version = 1\n[dns]\nresolvers = ["${HOSTS.dns.v4}"]\n[allow]\nnames = [${names.map((x) => `"${x}"`).join(", ")}]\n[rebind]\nexempt_cidrs = ["198.51.100.0/24", "2001:db8:cd::/64"]\n`,
    );
    writeFileSync(join(dir, "names.txt"), `${names.join("\n")}\n`);
    const runs = 3;
    let cordon = Infinity;
    for (let i = 0; i < runs; i++) {
      await c.sh(
        "pkill -TERM -f [s]upervisor-main; for i in $(seq 300); do pgrep -f [s]upervisor-main >/dev/null || break; sleep 0.01; done; nft delete table inet cordon 2>/dev/null; true",
        "root",
      );
      cordon = Math.min(cordon, await ms("sudo -n /usr/local/bin/init-firewall.sh", "cordon"));
    }
    // The reference loop runs with the firewall open to DNS (as the reference scripts do).
    await c.sh("nft delete table inet cordon; nft delete table inet bench", "root");
    const ref = await ms(refLoop);
    await c.sh("nft delete table inet bench", "root");
    rows.push(
      `${String(n).padStart(5)} names   cordon ${String(cordon).padStart(6)} ms   reference loop ${String(ref).padStart(7)} ms   ratio ${(ref / cordon).toFixed(1)}x faster`,
    );
    process.stderr.write(`${rows[rows.length - 1]}\n`);
    if (n >= 100) {
      const goalMs = n >= 1000 ? 200 : 150;
      table.push({
        bench: "firewall",
        what: `bring-up, ${n} names (init-firewall.sh, Node start-up included)`,
        measured: `${cordon} ms`,
        peer: `sequential dig + nft per address ${ref} ms`,
        ratio: cordon / ref,
        // The issue's goals: 150 ms for 100 names; 200 ms and at least 100x the loop for 1000.
        goal: n >= 1000 ? `<= ${goalMs} ms and >= 100x faster` : `<= ${goalMs} ms`,
        met: cordon <= goalMs && (n < 1000 || ref / cordon >= 100),
      });
    }
  }
} finally {
  await c.remove();
  await net.stop();
  rmSync(dir, { recursive: true, force: true });
}
console.log(
  "bench/firewall-bringup (best of 3 for cordon, whole init-firewall.sh incl. Node start-up; reference: sequential dig + one nft exec per address)",
);
for (const r of rows) console.log(r);
console.log("goal: under 1000 ms for 100 names and at least 10x faster than the sequential loop at 100 names");
summary(table);
