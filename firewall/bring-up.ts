// Firewall bring-up: the allowlist, then DNS-only rules while names resolve,
// then the allow rules, then the self-check. Any failure leaves deny-all in
// place and is reported; the firewall fails closed, never open.
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { loadAllowlist } from "./allowlist-load.js";
import { isWildcardPattern, type Allowlist } from "./allowlist-schema.js";
import { readLocalNetwork } from "./local-network.js";
import { parseCidr, ipFamily } from "./net-address.js";
import { applyNft } from "./nft-apply.js";
import { NftSession, sessionApply } from "./nft-session.js";
import { DENY_ALL, renderElementAdditions, renderEnforcement, renderRuleset, type RulesetInput } from "./nft-render.js";
import { DOCKER_EMBEDDED_DNS, parseResolvConf } from "./resolv-conf.js";
import { resolveNames } from "./dns/resolve-names.js";
import { selfCheck } from "./self-check.js";
import { planNames, planRuleset } from "./ruleset-plan.js";
import { rebindPolicy } from "./rebinding.js";
import { unsafeSourceReason } from "./source-safety.js";
import { writeState, type FirewallState } from "./bringup-state.js";
import { FORWARDER_ADDRESS, upstreamResolvConf } from "./dns-forwarder/resolv-switch.js";
import { refresherUid } from "./dns-refresher/launch.js";
import { firewallPaths } from "./paths.js";

/** The root-owned copy of the allowlist bring-up applied. */
export const EFFECTIVE_ALLOWLIST = "/etc/cordon/allowlist.toml";

export interface BringUpOptions {
  allowlistFile: string;
  log: (line: string) => void;
  resolvConf?: string;
  /** Tests may skip the source ownership check (never the container entry point). */
  trustSource?: boolean;
  /** The forwarder's uid (default: the `cordon-dns` user's). */
  forwarderUid?: number;
  effectiveCopy?: string;
}

export class BringUpError extends Error {}

/**
 * The bring-up's transactions through one `nft -i`, started at once so that nft's own start-up
 * (5-6 ms a process) overlaps reading the allowlist, and paid once for both steps. Longer scripts
 * reach it through a file beside the state (the session writes one only in a folder this root
 * process alone may write; otherwise such a script runs as an `nft -f` of its own).
 */
function transactions(stateFile: string): { apply: (script: string) => Promise<void>; close: () => void } {
  const dir = dirname(stateFile);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o755 });
  } catch {
    // then the session cannot write its file either, and those scripts go through `nft -f`
  }
  const session = new NftSession(30_000, join(dir, "bring-up.nft"));
  session.open();
  return { apply: sessionApply(session, applyNft, () => undefined), close: () => session.close() };
}

export async function bringUp(o: BringUpOptions): Promise<FirewallState> {
  const nft = transactions(firewallPaths().state);
  try {
    return await bringUpWith(o, nft.apply);
  } finally {
    nft.close();
  }
}

async function bringUpWith(o: BringUpOptions, apply: (script: string) => Promise<void>): Promise<FirewallState> {
  const { log } = o;
  const t0 = Date.now();
  const state: FirewallState = {
    phase: "deny-all",
    updatedAt: new Date().toISOString(),
    allowlist: o.allowlistFile,
    resolvers: [],
    names: {},
    wildcards: [],
    cidrs: [],
    hostPorts: [],
    selfCheck: [],
  };
  // Deny-all, with the DNS guard once the forwarder mode is known.
  let denyAll = DENY_ALL;
  const fail = async (msg: string): Promise<never> => {
    // Deny-all again: whatever was applied so far is withdrawn.
    try {
      await applyNft(renderRuleset(denyAll));
    } catch (e) {
      log(`could not re-apply deny-all: ${(e as Error).message}`);
    }
    state.phase = "deny-all";
    state.error = msg;
    state.updatedAt = new Date().toISOString();
    writeState(state);
    throw new BringUpError(msg);
  };

  // The container's addresses (for the rebinding filter), read while the allowlist is.
  const netLater = readLocalNetwork();

  // 1. The allowlist: safe source, valid content, effective copy root-owned and read-only. Checked
  // before the ruleset is touched: a bad one ends in deny-all (fail), a good one goes straight
  // to the resolving phase (one whole-table replacement fewer).
  if (!o.trustSource) {
    const why = unsafeSourceReason(o.allowlistFile);
    if (why) await fail(`refusing allowlist ${o.allowlistFile}: the agent user could change it (${why})`);
  }
  let a: Allowlist;
  try {
    a = loadAllowlist(o.allowlistFile);
  } catch (e) {
    return fail((e as Error).message);
  }
  const effective = o.effectiveCopy ?? EFFECTIVE_ALLOWLIST;
  mkdirSync(effective.replace(/\/[^/]+$/, ""), { recursive: true, mode: 0o755 });
  copyFileSync(o.allowlistFile, effective);
  const wildcards = a.allow.names.filter(isWildcardPattern);
  const names = [...new Set(a.allow.names.filter((n) => !isWildcardPattern(n)))];
  state.wildcards = wildcards;
  log(
    `[1/5] allowlist ${o.allowlistFile}: ${names.length} names (${a.allow.required.length} required), ${a.cidrs.static.length} CIDRs, ${a.cidrs.sources.length} CIDR sources, host ports: ${a.host.ports.join(", ") || "none"}`,
  );
  const forwarder = a.dns.mode === "forwarder";
  for (const w of wildcards) {
    log(
      forwarder
        ? `  ${w}: answered by the DNS forwarder, each name's addresses admitted when it is asked for`
        : `  warning: ${w}: wildcard patterns cannot be resolved ahead of time and are not allowed by this firewall; list the exact names (or use [dns] mode = "forwarder")`,
    );
  }

  // 3. Resolvers, then every name in parallel. In forwarder mode resolv.conf may already point at
  // the forwarder (a re-run): the upstream servers are then those of the saved original.
  const resolvText = o.resolvConf ?? readFileSync("/etc/resolv.conf", "utf8");
  const sys = parseResolvConf(forwarder ? upstreamResolvConf(resolvText, firewallPaths().resolvUpstream) : resolvText);
  const resolvers = a.dns.resolvers.flatMap((r) => (r === "system" ? sys.nameservers : [r]));
  const dnsAllowed = [
    ...new Set([...resolvers, ...(resolvers.includes(DOCKER_EMBEDDED_DNS) ? sys.dockerUpstreams : [])]),
  ];
  if (resolvers.length === 0)
    await fail("no DNS resolver: /etc/resolv.conf lists no nameserver and the allowlist names none");
  state.resolvers = dnsAllowed;
  state.queryResolvers = resolvers;
  state.refresherEnabled = a.refresher.enabled;
  const r = a.refresher;
  state.refresher = {
    min_ttl: r.min_ttl,
    max_ttl: r.max_ttl,
    grace: r.grace,
    min_interval: r.min_interval,
    max_addresses_per_name: r.max_addresses_per_name,
  };
  state.rebind = a.rebind;
  if (a.telemetry) state.telemetry = a.telemetry;
  if (forwarder) {
    state.forwarder = { listen: FORWARDER_ADDRESS, patterns: a.allow.names, refuseWith: a.dns.refuse_with };
    if (resolvers.includes(FORWARDER_ADDRESS))
      await fail(
        `[dns] resolvers include the forwarder's own address ${FORWARDER_ADDRESS}; name the upstream servers (or "system")`,
      );
  }
  const base: RulesetInput = {
    ...DENY_ALL,
    resolvers4: dnsAllowed.filter((r) => ipFamily(r) === 4 && !r.startsWith("127.")),
    resolvers6: dnsAllowed.filter((r) => ipFamily(r) === 6 && r !== "::1"),
    ...(forwarder ? { dnsGuard: { forwarderUid: o.forwarderUid ?? refresherUid(), listen: FORWARDER_ADDRESS } } : {}),
  };
  if (base.dnsGuard) denyAll = { ...DENY_ALL, dnsGuard: base.dnsGuard };
  // A container start has no table: creating it outright is quicker than replacing one. On a
  // re-run `create` fails the whole transaction, changing nothing, and the table is replaced.
  const resolving = { ...base, phase: "resolving" as const };
  await apply(renderRuleset(resolving, { create: true })).catch(() => apply(renderRuleset(resolving)));
  log(`[2/5] everything blocked but loopback and DNS to ${dnsAllowed.join(", ")} while names resolve`);
  const net = await netLater;
  const rebind = rebindPolicy(a.rebind, net);
  log(`[3/5] resolving ${names.length} names via ${resolvers.join(", ")}`);
  if (resolvers.every((r) => r === DOCKER_EMBEDDED_DNS) && sys.dockerUpstreams.length === 0) {
    log(
      `  note: Docker's embedded DNS (${DOCKER_EMBEDDED_DNS}) forwards from inside this container to servers it does not name; if names time out, list those servers in [dns] resolvers`,
    );
  }
  let lastShown = 0;
  const results = await resolveNames(names, resolvers, rebind, a.refresher.max_addresses_per_name, (done, total) => {
    if (total >= 50 && done - lastShown >= Math.ceil(total / 10)) {
      lastShown = done;
      log(`  ${done}/${total} resolved`);
    }
  });
  const plan = planNames(results, a, Date.now());
  state.names = plan.names;
  for (const n of plan.notes) log(`  ${n}`);
  const fatal = plan.fatal;
  if (fatal.length) await fail(`required names did not resolve:\n  ${fatal.join("\n  ")}`);

  // CIDR lists (static and fetched). Fetching happens with DNS-only rules, so a
  // source URL's host must itself be reachable: apply the names first.
  // From here on only additions (renderEnforcement): the table is in the resolving phase.
  let rules = planRuleset(base, state.names, a, net, []);
  const cidrs = new Set(a.cidrs.static.map((c) => parseCidr(c).text));
  if (a.cidrs.sources.length) {
    await apply(renderEnforcement(rules));
    // Loaded only when there are sources: the HTTP client is most of the bring-up's code to compile.
    const { loadCidrSource } = await import("./cidr-sources.js");
    for (const src of a.cidrs.sources) {
      try {
        const list = await loadCidrSource(src);
        list.forEach((c) => cidrs.add(c));
        log(`  CIDR source ${src.name}: ${list.length} ranges`);
      } catch (e) {
        if (src.required) await fail(`required CIDR source failed: ${(e as Error).message}`);
        log(`  warning: ${(e as Error).message} (optional: left out)`);
      }
    }
  }
  state.cidrs = [...cidrs];
  rules = planRuleset(base, state.names, a, net, state.cidrs);
  state.hostPorts = a.host.ports;
  await apply(
    a.cidrs.sources.length
      ? renderElementAdditions({ allow4: [], allow6: [], cidr4: rules.cidr4, cidr6: rules.cidr6 })
      : renderEnforcement(rules),
  );
  state.phase = "enforce";
  const resolved = Object.values(state.names).filter((n) => n.addresses.length).length;
  log(
    `[4/5] rules applied: ${resolved}/${names.length} names -> ${rules.allow4.length} IPv4 + ${rules.allow6.length} IPv6 addresses, ${state.cidrs.length} CIDRs; DNS only to ${dnsAllowed.join(", ")}; port 853 closed`,
  );

  // 5. Self-check.
  const checks = await selfCheck(a.self_check.must_fail, a.self_check.must_succeed, a.self_check.timeout_ms);
  state.selfCheck = checks;
  for (const c of checks) log(`  ${c.ok ? "ok" : "FAILED"}: ${c.target} should be ${c.expect}: ${c.detail}`);
  const bad = checks.filter((c) => !c.ok);
  if (bad.length)
    await fail(
      `self-check failed: ${bad.map((c) => `${c.target} should be ${c.expect} but is ${c.detail}`).join("; ")}`,
    );
  log(`[5/5] self-check passed (${checks.length} targets); firewall active in ${Date.now() - t0} ms`);
  state.updatedAt = new Date().toISOString();
  writeState(state);
  return state;
}
