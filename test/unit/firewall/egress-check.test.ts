import { describe, expect, it } from "vitest";
import type { FirewallState } from "../../../firewall/bringup-state.js";
import { firewallBlocks } from "../../../firewall/egress-check.js";

const state: FirewallState = {
  phase: "enforce",
  updatedAt: "2026-11-29T00:00:00Z",
  allowlist: "/etc/cordon/allowlist.toml",
  resolvers: [],
  names: {
    "mcp.example.test": {
      addresses: [{ address: "192.0.2.10", family: 4, ttl: 60, expiresAt: "" }],
      chain: [],
      required: false,
      problems: [],
      dropped: [],
    },
  },
  wildcards: ["*.tools.test"],
  cidrs: ["198.51.100.0/24"],
  hostPorts: [],
  selfCheck: [],
};
const HINT = ".devcontainer/allowlist.toml";

describe("whether the firewall lets cordon reach an HTTP MCP server", () => {
  it.each([
    ["mcp.example.test", null],
    ["MCP.example.test.", null],
    ["a.tools.test", null],
    ["127.0.0.1", null],
    ["localhost", null],
    ["[::1]", null],
    ["198.51.100.7", null],
    ["192.0.2.10", null],
    [
      "tools.test",
      "tools.test is not on the firewall allowlist (/etc/cordon/allowlist.toml); add it to .devcontainer/allowlist.toml and rebuild the container, or connections to it are blocked",
    ],
    [
      "other.test",
      "other.test is not on the firewall allowlist (/etc/cordon/allowlist.toml); add it to .devcontainer/allowlist.toml and rebuild the container, or connections to it are blocked",
    ],
    [
      "203.0.113.5",
      "203.0.113.5 is in none of the firewall's CIDRs and no allowed name resolves to it; add it to .devcontainer/allowlist.toml",
    ],
  ])("%s -> %j", (host, want) => expect(firewallBlocks(host, state, HINT)).toBe(want));

  it("says nothing without a firewall, and everything is blocked in deny-all", () => {
    expect(firewallBlocks("other.test", null, HINT)).toBeNull();
    expect(firewallBlocks("mcp.example.test", { ...state, phase: "deny-all", error: "no resolver" }, HINT)).toBe(
      "the firewall is in deny-all (no resolver): nothing outside is reachable",
    );
  });
});
