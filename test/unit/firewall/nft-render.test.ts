import { describe, expect, it } from "vitest";
import { renderRuleset, renderSetUpdate, type RulesetInput } from "../../../firewall/nft-render.js";

const base: RulesetInput = {
  phase: "enforce",
  resolvers4: ["198.51.100.53"],
  resolvers6: ["2001:db8:cd::53"],
  allow4: [{ address: "198.51.100.10", timeout: 90.2 }],
  allow6: [{ address: "2001:db8:cd::10", timeout: 30 }],
  cidr4: ["140.82.112.0/20"],
  cidr6: [],
  hostGateway4: "172.17.0.1",
  hostPorts: [],
};
const rulesOf = (s: string, chain: string) =>
  s.slice(s.indexOf(`chain ${chain} {`), s.indexOf("\n  }", s.indexOf(`chain ${chain} {`)));

describe("nft ruleset", () => {
  it("replaces only our own table, atomically", () => {
    const s = renderRuleset(base);
    expect(s.split("\n").slice(1, 4)).toEqual([
      "table inet cordon {}",
      "delete table inet cordon",
      "table inet cordon {",
    ]);
    expect(s).not.toMatch(/flush ruleset|table ip nat/);
  });
  it("denies by default in all three hooks and rejects rather than drops", () => {
    const s = renderRuleset(base);
    for (const c of ["output", "input", "forward"]) expect(rulesOf(s, c)).toMatch(/policy drop;/);
    const out = rulesOf(s, "output");
    expect(
      out
        .trim()
        .split("\n")
        .slice(-2)
        .map((l) => l.trim()),
    ).toEqual(["meta l4proto tcp counter reject with tcp reset", "counter reject with icmpx admin-prohibited"]);
  });
  it("closes 853 before any allow rule, and allows DNS only to the resolvers", () => {
    const out = rulesOf(renderRuleset(base), "output");
    const i853 = out.indexOf("th dport 853");
    const iAllow = out.indexOf("@allow4");
    expect(i853).toBeGreaterThan(0);
    expect(i853).toBeLessThan(iAllow);
    expect(out).toMatch(
      /ip daddr @resolvers4 meta l4proto \{ tcp, udp \} th dport 53 accept\n\s+ip6 daddr @resolvers6 .* accept\n\s+meta l4proto \{ tcp, udp \} th dport 53 counter reject/,
    );
  });
  it("puts elements with rounded-up per-element timeouts", () => {
    const s = renderRuleset(base);
    expect(s).toContain("set allow4 { type ipv4_addr; flags timeout; elements = { 198.51.100.10 timeout 91s } }");
    expect(s).toContain("set allow6 { type ipv6_addr; flags timeout; elements = { 2001:db8:cd::10 timeout 30s } }");
    expect(s).toContain("set cidr4 { type ipv4_addr; flags interval; auto-merge; elements = { 140.82.112.0/20 } }");
  });
  it("deny-all keeps loopback only: no DNS, no sets' elements, no established", () => {
    const s = renderRuleset({ ...base, phase: "deny-all" });
    expect(s).not.toMatch(/elements/);
    const out = rulesOf(s, "output");
    expect(out).not.toMatch(/dport 53 accept|@allow4|established/);
    expect(out).toMatch(/oifname "lo" accept/);
  });
  it("resolving phase adds DNS to the resolvers but no allowed addresses", () => {
    const out = rulesOf(renderRuleset({ ...base, phase: "resolving" }), "output");
    expect(out).toMatch(/@resolvers4 .* accept/);
    expect(out).not.toMatch(/@allow4|@cidr4/);
  });
  it("opens host ports only on the gateway and only when listed", () => {
    expect(renderRuleset(base)).not.toMatch(/172\.17\.0\.1/);
    expect(renderRuleset({ ...base, hostPorts: [8080, 5432] })).toContain(
      "ip daddr 172.17.0.1 tcp dport { 8080, 5432 } accept",
    );
  });
  it("set updates use add-delete-add so refreshed timeouts apply and nothing is missing in between", () => {
    expect(renderSetUpdate([{ address: "198.51.100.10", timeout: 60 }], [], ["198.51.100.9"])).toBe(
      "add element inet cordon allow4 { 198.51.100.10 }\n" +
        "delete element inet cordon allow4 { 198.51.100.10 }\n" +
        "add element inet cordon allow4 { 198.51.100.10 timeout 60s }\n" +
        "add element inet cordon allow4 { 198.51.100.9 }\n" +
        "delete element inet cordon allow4 { 198.51.100.9 }\n",
    );
    expect(renderSetUpdate([], [])).toBe("");
  });
});
