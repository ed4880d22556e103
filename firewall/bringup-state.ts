// What the bring-up (and later the refresher) last applied, for
// `cordon firewall status`. Root writes it; everyone may read it.
import { readJsonOrNull, writeJsonAtomic } from "../common/json-file.js";
import { firewallPaths } from "./paths.js";
import type { Allowlist } from "./allowlist-schema.js";

export interface NameState {
  addresses: { address: string; family: 4 | 6; ttl: number; expiresAt: string }[];
  chain: string[];
  required: boolean;
  problems: string[];
  dropped: { address: string; reason: string }[];
}

export interface FirewallState {
  phase: "deny-all" | "resolving" | "enforce";
  updatedAt: string;
  allowlist: string;
  /** Addresses DNS may reach (the firewall's resolver sets). */
  resolvers: string[];
  /** The servers names are resolved with (the refresher asks the same ones). */
  queryResolvers?: string[];
  /** Whether the allowlist wants the DNS refresher running. */
  refresherEnabled?: boolean;
  /** The allowlist's [refresher] and [rebind] settings, so the refresher needs no TOML or schema code. */
  refresher?: Omit<Allowlist["refresher"], "enabled">;
  rebind?: Allowlist["rebind"];
  /** The allowlist's [telemetry], as written (header variables are expanded by each process that exports). */
  telemetry?: Allowlist["telemetry"];
  names: Record<string, NameState>;
  wildcards: string[];
  /** DNS-forwarder mode: where it listens, what it answers, how it refuses (absent in refresher mode). */
  forwarder?: { listen: string; patterns: string[]; refuseWith: "refused" | "nxdomain" };
  cidrs: string[];
  hostPorts: number[];
  selfCheck: { target: string; expect: "blocked" | "reachable"; ok: boolean; detail: string }[];
  error?: string;
}

export function writeState(state: FirewallState, file = firewallPaths().state): void {
  writeJsonAtomic(file, state, true);
}

export function readState(file = firewallPaths().state): FirewallState | null {
  return readJsonOrNull<FirewallState>(file);
}
