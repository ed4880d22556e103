// The bring-up's plan, pure: names' states from DNS answers, timed sets, the whole ruleset.
import { describe, expect, it } from "vitest";
import { parseAllowlist } from "../../../firewall/allowlist-load.js";
import type { NameResolution } from "../../../firewall/dns/resolve-names.js";
import { planNames, planRuleset, timedSet } from "../../../firewall/ruleset-plan.js";

const a = parseAllowlist(
  'version = 1\n[allow]\nnames = ["api.test", "cdn.test", "opt.test", "must.test"]\nrequired = ["must.test"]\n[refresher]\nmin_ttl = 30\nmax_ttl = 600\ngrace = 10\n[host]\nports = [8080]\n',
  "/allow.toml",
);
const res = (name: string, v4: [string, number][], extra: Partial<NameResolution> = {}): NameResolution => ({
  name,
  v4: v4.map(([address, ttl]) => ({ address, ttl })),
  v6: [],
  chain: [name],
  dropped: [],
  problems: [],
  ...extra,
});
const now = Date.parse("2026-01-01T00:00:00Z");

describe("the bring-up's plan", () => {
  const results = [
    res("api.test", [["203.0.113.1", 5]]),
    res("cdn.test", [
      ["203.0.113.1", 3000],
      ["203.0.113.2", 60],
    ]),
    res("opt.test", [], { problems: ["NXDOMAIN"], dropped: [{ address: "10.0.0.1", reason: "private range" }] }),
    res("must.test", [], { problems: ["SERVFAIL"] }),
  ];
  const plan = planNames(results, a, now);
  it("clamps TTLs, sets expiry, and sorts problems into fatal and notes", () => {
    expect(plan.names["api.test"]?.addresses).toEqual([
      { address: "203.0.113.1", family: 4, ttl: 30, expiresAt: "2026-01-01T00:00:40.000Z" },
    ]);
    expect(plan.names["cdn.test"]?.addresses.map((x) => x.ttl)).toEqual([600, 60]);
    expect(plan.fatal).toEqual(["must.test: SERVFAIL"]);
    expect(plan.notes).toEqual([
      "dropped 10.0.0.1 for opt.test: private range",
      "warning: opt.test: NXDOMAIN (optional: left out for now, retried by the refresher)",
    ]);
  });
  it("times a shared address out at the longest TTL + grace among the names holding it", () => {
    expect(timedSet(plan.names, 4, 10)).toEqual([
      { address: "203.0.113.1", timeout: 610 },
      { address: "203.0.113.2", timeout: 70 },
    ]);
    expect(timedSet(plan.names, 6, 10)).toEqual([]);
  });
  it("builds the whole enforcing ruleset", () => {
    expect(
      planRuleset({ resolvers4: ["203.0.113.53"], resolvers6: [] }, plan.names, a, { gateway4: "172.17.0.1" }, [
        "198.51.100.0/24",
        "2001:db8::/48",
      ]),
    ).toEqual({
      phase: "enforce",
      resolvers4: ["203.0.113.53"],
      resolvers6: [],
      allow4: [
        { address: "203.0.113.1", timeout: 610 },
        { address: "203.0.113.2", timeout: 70 },
      ],
      allow6: [],
      cidr4: ["198.51.100.0/24"],
      cidr6: ["2001:db8::/48"],
      hostPorts: [8080],
      hostGateway4: "172.17.0.1",
    });
  });
});
