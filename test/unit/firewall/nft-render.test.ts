import { describe, expect, it } from "vitest";
import {
  renderEnforcement,
  renderRuleset,
  renderSetCreate,
  renderSetUpdate,
  type RulesetInput,
} from "../../../firewall/nft-render.js";

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
  it("closes 853 and DNS to anything but the resolvers before the allow rules, whatever the phase", () => {
    const lines = (x: string) =>
      x
        .trim()
        .split("\n")
        .slice(1)
        .map((l) => l.trim());
    expect(lines(rulesOf(renderRuleset(base), "output"))).toEqual([
      "type filter hook output priority filter; policy drop;",
      'oifname "lo" accept',
      "icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-solicit } accept",
      "jump established",
      "meta l4proto { tcp, udp } th dport 853 counter reject with icmpx admin-prohibited",
      "ip daddr @resolvers4 meta l4proto { tcp, udp } th dport 53 accept",
      "ip6 daddr @resolvers6 meta l4proto { tcp, udp } th dport 53 accept",
      "meta l4proto { tcp, udp } th dport 53 counter reject with icmpx admin-prohibited",
      "jump allowed",
      "meta l4proto tcp counter reject with tcp reset",
      "counter reject with icmpx admin-prohibited",
    ]);
    expect(lines(rulesOf(renderRuleset(base), "established"))).toEqual(["ct state established,related accept"]);
    expect(lines(rulesOf(renderRuleset(base), "allowed"))).toEqual([
      "ip daddr @allow4 accept",
      "ip6 daddr @allow6 accept",
      "ip daddr @cidr4 accept",
      "ip6 daddr @cidr6 accept",
    ]);
  });
  it("enforcement from the resolving phase only adds: the phase chains' rules, then the elements", () => {
    expect(renderEnforcement({ ...base, hostPorts: [8080] })).toBe(
      "add rule inet cordon established ct state established,related accept\n" +
        "add rule inet cordon allowed ip daddr @allow4 accept\n" +
        "add rule inet cordon allowed ip6 daddr @allow6 accept\n" +
        "add rule inet cordon allowed ip daddr @cidr4 accept\n" +
        "add rule inet cordon allowed ip6 daddr @cidr6 accept\n" +
        "add rule inet cordon allowed ip daddr 172.17.0.1 tcp dport { 8080 } accept\n" +
        "add element inet cordon allow4 { 198.51.100.10 timeout 91s }\n" +
        "add element inet cordon allow6 { 2001:db8:cd::10 timeout 30s }\n" +
        "add element inet cordon cidr4 { 140.82.112.0/20 }\n",
    );
    expect(renderEnforcement({ ...base, allow4: [], allow6: [], cidr4: [] })).not.toMatch(/add element|delete|flush/);
  });
  it("puts elements with rounded-up per-element timeouts", () => {
    const s = renderRuleset(base);
    expect(s).toContain("set allow4 { type ipv4_addr; flags timeout; elements = { 198.51.100.10 timeout 91s } }");
    expect(s).toContain("set allow6 { type ipv6_addr; flags timeout; elements = { 2001:db8:cd::10 timeout 30s } }");
    expect(s).toContain("set cidr4 { type ipv4_addr; flags interval; auto-merge; elements = { 140.82.112.0/20 } }");
  });
  it("deny-all keeps loopback only: no DNS, no sets' elements, the phase chains empty", () => {
    const s = renderRuleset({ ...base, phase: "deny-all" });
    expect(s).not.toMatch(/elements/);
    const out = rulesOf(s, "output");
    expect(out).not.toMatch(/dport 53 accept|@allow4|established,/);
    expect(out).toMatch(/oifname "lo" accept/);
    expect(rulesOf(s, "established").trim()).toBe("chain established {");
    expect(s).not.toMatch(/198\.51\.100\.10|2001:db8:cd::10|140\.82/); // addresses only when enforcing
    expect(rulesOf(s, "allowed").trim()).toBe("chain allowed {");
  });
  it("resolving phase adds DNS to the resolvers but no allowed addresses", () => {
    const s = renderRuleset({ ...base, phase: "resolving" });
    expect(rulesOf(s, "output")).toMatch(/@resolvers4 .* accept/);
    expect(rulesOf(s, "allowed").trim()).toBe("chain allowed {");
    expect(rulesOf(s, "established").trim()).toBe("chain established {");
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
  it("creates elements the sets should not hold yet in one command per set, whole seconds at least 1", () => {
    expect(
      renderSetCreate(
        [
          { address: "198.51.100.10", timeout: 60 },
          { address: "198.51.100.11", timeout: 0.2 },
        ],
        [{ address: "2001:db8::1", timeout: 30.5 }],
      ),
    ).toBe(
      "create element inet cordon allow4 { 198.51.100.10 timeout 60s, 198.51.100.11 timeout 1s }\n" +
        "create element inet cordon allow6 { 2001:db8::1 timeout 31s }\n",
    );
    expect(renderSetCreate([], [])).toBe("");
  });
});
