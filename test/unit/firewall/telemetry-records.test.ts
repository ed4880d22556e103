// The firewall's telemetry records, asserted whole.
import { describe, expect, it } from "vitest";
import type { FirewallState } from "../../../firewall/bringup-state.js";
import { bringUpRecords, forwarderRecords, refresherRecords } from "../../../firewall/telemetry-records.js";

const state: FirewallState = {
  phase: "enforce",
  updatedAt: "2026-11-29T00:00:00Z",
  allowlist: "/etc/cordon/allowlist.toml",
  resolvers: ["198.51.100.53"],
  names: {
    "a.test": {
      addresses: [
        { address: "198.51.100.10", family: 4, ttl: 60, expiresAt: "" },
        { address: "2001:db8:cd::10", family: 6, ttl: 60, expiresAt: "" },
      ],
      chain: ["a.test"],
      required: true,
      problems: [],
      dropped: [{ address: "10.0.0.1", reason: "private range (rebinding)" }],
    },
    "b.test": { addresses: [], chain: ["b.test"], required: false, problems: ["NXDOMAIN"], dropped: [] },
  },
  wildcards: [],
  cidrs: ["203.0.113.0/24"],
  hostPorts: [],
  selfCheck: [],
};

describe("firewall telemetry records", () => {
  it("the bring-up: outcome, counts, each dropped answer, addresses by family", () =>
    expect(bringUpRecords(state, 120)).toEqual({
      logs: [
        {
          name: "cordon.firewall_bringup",
          attributes: {
            phase: "enforce",
            success: true,
            allowlist: "/etc/cordon/allowlist.toml",
            names: 2,
            names_resolved: 1,
            addresses_v4: 1,
            addresses_v6: 1,
            cidrs: 1,
            dropped: 1,
            duration_ms: 120,
          },
        },
        {
          name: "cordon.firewall_drop",
          attributes: { name: "a.test", address: "10.0.0.1", reason: "private range (rebinding)", by: "bring-up" },
        },
      ],
      metrics: [
        { instrument: "cordon.firewall.addresses", kind: "gauge", value: 1, attributes: { family: "ipv4" } },
        { instrument: "cordon.firewall.addresses", kind: "gauge", value: 1, attributes: { family: "ipv6" } },
      ],
    }));

  it("a failed bring-up carries its error", () =>
    expect(
      bringUpRecords({ ...state, phase: "deny-all", error: "required names did not resolve" }, 5).logs[0]?.attributes,
    ).toMatchObject({
      phase: "deny-all",
      success: false,
      error: "required names did not resolve",
    }));

  it("the refresher's events", () => {
    expect(refresherRecords({ kind: "address_change", name: "a.test", added: ["198.51.100.11"], removed: [] })).toEqual(
      {
        logs: [
          {
            name: "cordon.firewall_address_change",
            attributes: { name: "a.test", added: "198.51.100.11", removed: "" },
          },
        ],
        metrics: [],
      },
    );
    expect(refresherRecords({ kind: "drop", name: "r.test", address: "127.0.0.1", reason: "loopback" })).toEqual({
      logs: [
        {
          name: "cordon.firewall_drop",
          attributes: { name: "r.test", address: "127.0.0.1", reason: "loopback", by: "refresher" },
        },
      ],
      metrics: [],
    });
    expect(refresherRecords({ kind: "query", name: "a.test", outcome: "unreachable" })).toEqual({
      logs: [],
      metrics: [
        { instrument: "cordon.dns.queries", kind: "counter", value: 1, attributes: { outcome: "unreachable" } },
      ],
    });
  });
});

describe("forwarderRecords", () => {
  it("counts each outcome since the last report and names the latest refusals", () => {
    const prev = { answered: 10, cached: 4, refused: 1, servfail: 0 };
    const next = { answered: 15, cached: 6, refused: 3, servfail: 1 };
    expect(forwarderRecords(prev, next, ["c2vjcmv0.exfil.test", "blocked.test"])).toEqual({
      logs: [{ name: "cordon.dns_refused", attributes: { count: 2, names: "c2vjcmv0.exfil.test,blocked.test" } }],
      metrics: [
        {
          instrument: "cordon.dns.queries",
          kind: "counter",
          value: 3,
          attributes: { outcome: "forwarded", by: "forwarder" },
        },
        {
          instrument: "cordon.dns.queries",
          kind: "counter",
          value: 2,
          attributes: { outcome: "cached", by: "forwarder" },
        },
        {
          instrument: "cordon.dns.queries",
          kind: "counter",
          value: 2,
          attributes: { outcome: "refused", by: "forwarder" },
        },
        {
          instrument: "cordon.dns.queries",
          kind: "counter",
          value: 1,
          attributes: { outcome: "servfail", by: "forwarder" },
        },
      ],
    });
  });
  it("says nothing when nothing happened", () => {
    const same = { answered: 1, cached: 1, refused: 0, servfail: 0 };
    expect(forwarderRecords(same, same, [])).toEqual({ logs: [], metrics: [] });
  });
});
