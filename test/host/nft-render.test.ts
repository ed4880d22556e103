// The bring-up's two steps against real nftables, in a network namespace of
// its own (unshare -n): the resolving table plus renderEnforcement's
// additions must be the very table renderRuleset renders for enforce
// (applied whole), including overlapping CIDRs merged and host ports.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

const asRoot = process.getuid?.() === 0;
const render = new URL("../../dist/firewall/nft-render.js", import.meta.url).pathname;

/**
 * Applies each script in turn in a fresh netns; the table as `nft list` prints it, element expiry
 * times cut. A script that nft refuses is reported in the output as "REFUSED" and changes nothing.
 */
function tableAfter(scriptsJs: string): string {
  const script = `
    const r = await import(${JSON.stringify(render)});
    const { execFileSync } = await import("node:child_process");
    for (const s of ${scriptsJs}) {
      try { execFileSync("nft", ["-f", "-"], { input: s, stdio: ["pipe", "ignore", "ignore"] }); } catch { console.log("REFUSED"); }
    }
    console.log(execFileSync("nft", ["list", "table", "inet", "cordon"], { encoding: "utf8" }));
  `;
  const p = spawnSync("unshare", ["-n", process.execPath, "--input-type=module", "-e", script], { encoding: "utf8" });
  if (p.status !== 0) throw new Error(p.stderr);
  return p.stdout.replace(/ expires [0-9hms]+/g, "");
}

const enforce = `{
  phase: "enforce",
  resolvers4: ["198.51.100.53"], resolvers6: ["2001:db8:cd::53"],
  allow4: [{ address: "198.51.100.10", timeout: 90 }, { address: "198.51.100.11", timeout: 30 }],
  allow6: [{ address: "2001:db8:cd::10", timeout: 30 }],
  cidr4: ["140.82.112.0/20", "140.82.112.0/24", "10.1.0.0/16"], cidr6: ["2001:db8:1::/48"],
  hostGateway4: "172.17.0.1", hostPorts: [8080, 5432],
  dnsGuard: { forwarderUid: 999, listen: "127.0.0.53" },
}`;

describe.skipIf(!asRoot)("bring-up's ruleset steps (real nftables in a network namespace)", () => {
  it("resolving, then only additions, ends in the same table as the enforcing ruleset applied whole", () => {
    const whole = tableAfter(`[r.renderRuleset(${enforce})]`);
    const stepped = tableAfter(
      `[r.renderRuleset({ ...${enforce}, phase: "resolving" }), r.renderEnforcement(${enforce})]`,
    );
    expect(stepped).toBe(whole);
    // And it is the enforcing table: the allow rules and the merged CIDRs are there.
    expect(whole).toMatch(/chain allowed \{\n\s+ip daddr @allow4 accept/);
    expect(whole).toMatch(/elements = \{ 10\.1\.0\.0\/16, 140\.82\.112\.0\/20 \}/);
    expect(whole).toMatch(/ip daddr 172\.17\.0\.1 tcp dport \{ 5432, 8080 \} accept/);
  });

  it("creating the table (a container start) gives the same table as replacing, and is refused, changing nothing, when one exists", () => {
    const replaced = tableAfter(`[r.renderRuleset({ ...${enforce}, phase: "resolving" })]`);
    expect(tableAfter(`[r.renderRuleset({ ...${enforce}, phase: "resolving" }, { create: true })]`)).toBe(replaced);
    const enforcing = tableAfter(`[r.renderRuleset(${enforce})]`);
    expect(
      tableAfter(
        `[r.renderRuleset(${enforce}), r.renderRuleset({ ...${enforce}, phase: "resolving" }, { create: true })]`,
      ),
    ).toBe(`REFUSED\n${enforcing}`);
  });

  it("the resolving table admits nothing but DNS to the resolvers: its phase chains are empty", () => {
    const t = tableAfter(`[r.renderRuleset({ ...${enforce}, phase: "resolving" })]`);
    expect(t).toMatch(/chain established \{\n\s+\}/);
    expect(t).toMatch(/chain allowed \{\n\s+\}/);
    expect(t).not.toMatch(/198\.51\.100\.10|140\.82/);
  });

  it("CIDRs fetched later are added to an enforcing table in one more step, to the same end", () => {
    const whole = tableAfter(`[r.renderRuleset(${enforce})]`);
    const stepped = tableAfter(
      `[r.renderRuleset({ ...${enforce}, phase: "resolving" }), r.renderEnforcement({ ...${enforce}, cidr4: [], cidr6: [] }), r.renderElementAdditions({ allow4: [], allow6: [], cidr4: ${enforce}.cidr4, cidr6: ${enforce}.cidr6 })]`,
    );
    expect(stepped).toBe(whole);
  });
});
