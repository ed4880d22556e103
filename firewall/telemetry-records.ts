// The firewall's telemetry records (service cordon-dns): the bring-up's
// outcome, the refresher's address changes and dropped rebinding answers,
// DNS questions by outcome, and the allowed addresses by family. Pure.
import type { ForwarderCounters } from "./dns-forwarder/forwarder.js";
import type { LogOut, MetricOut } from "../common/otel-records.js";
import type { FirewallState } from "./bringup-state.js";
import type { RefresherEvent } from "./dns-refresher/refresh-loop.js";

export function bringUpRecords(s: FirewallState, durationMs: number): { logs: LogOut[]; metrics: MetricOut[] } {
  const names = Object.values(s.names);
  const v4 = names.reduce((n, x) => n + x.addresses.filter((a) => a.family === 4).length, 0);
  const v6 = names.reduce((n, x) => n + x.addresses.filter((a) => a.family === 6).length, 0);
  const dropped = names.reduce((n, x) => n + x.dropped.length, 0);
  const logs: LogOut[] = [
    {
      name: "cordon.firewall_bringup",
      attributes: {
        phase: s.phase,
        success: s.phase === "enforce",
        allowlist: s.allowlist,
        names: names.length,
        names_resolved: names.filter((x) => x.addresses.length).length,
        addresses_v4: v4,
        addresses_v6: v6,
        cidrs: s.cidrs.length,
        dropped,
        duration_ms: durationMs,
        ...(s.error ? { error: s.error } : {}),
      },
    },
  ];
  for (const [name, n] of Object.entries(s.names))
    for (const d of n.dropped)
      logs.push({
        name: "cordon.firewall_drop",
        attributes: { name, address: d.address, reason: d.reason, by: "bring-up" },
      });
  return { logs, metrics: addressPoints(v4, v6) };
}

export function addressPoints(v4: number, v6: number): MetricOut[] {
  return [
    { instrument: "cordon.firewall.addresses", kind: "gauge", value: v4, attributes: { family: "ipv4" } },
    { instrument: "cordon.firewall.addresses", kind: "gauge", value: v6, attributes: { family: "ipv6" } },
  ];
}

export function refresherRecords(e: RefresherEvent): { logs: LogOut[]; metrics: MetricOut[] } {
  switch (e.kind) {
    case "address_change":
      return {
        logs: [
          {
            name: "cordon.firewall_address_change",
            attributes: { name: e.name, added: e.added.join(","), removed: e.removed.join(",") },
          },
        ],
        metrics: [],
      };
    case "drop":
      return {
        logs: [
          {
            name: "cordon.firewall_drop",
            attributes: { name: e.name, address: e.address, reason: e.reason, by: "refresher" },
          },
        ],
        metrics: [],
      };
    case "query":
      return {
        logs: [],
        metrics: [{ instrument: "cordon.dns.queries", kind: "counter", value: 1, attributes: { outcome: e.outcome } }],
      };
  }
}

/** The forwarder's counters this report reads. */
export type ForwarderCounts = Pick<ForwarderCounters, "answered" | "cached" | "refused" | "servfail">;

/**
 * What the forwarder did since the last report: `cordon.dns.queries` by outcome (by: forwarder)
 * and, when it refused any, one `cordon.dns_refused` record with how many and the latest names.
 */
export function forwarderRecords(
  prev: ForwarderCounts,
  next: ForwarderCounts,
  latestRefused: string[],
): { logs: LogOut[]; metrics: MetricOut[] } {
  const outcomes = [
    ["forwarded", next.answered - next.cached - (prev.answered - prev.cached)],
    ["cached", next.cached - prev.cached],
    ["refused", next.refused - prev.refused],
    ["servfail", next.servfail - prev.servfail],
  ] as const;
  const refused = next.refused - prev.refused;
  return {
    logs:
      refused > 0
        ? [{ name: "cordon.dns_refused", attributes: { count: refused, names: latestRefused.join(",") } }]
        : [],
    metrics: outcomes
      .filter(([, n]) => n > 0)
      .map(([outcome, n]) => ({
        instrument: "cordon.dns.queries",
        kind: "counter" as const,
        value: n,
        attributes: { outcome, by: "forwarder" },
      })),
  };
}
