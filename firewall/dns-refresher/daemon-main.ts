#!/usr/bin/env node
// The DNS refresher daemon: keeps the firewall's allowed addresses in step
// with DNS after bring-up. Run by the supervisor as the `cordon-dns` system
// user with CAP_NET_ADMIN only; see launch.ts.
//   daemon-main.js [--state FILE] [--status FILE]
// Everything it needs is in the bring-up's state file (root-owned), so it
// loads no TOML or schema code: a small heap for a long-running process.
import { dirname, join } from "node:path";
import { readLocalNetwork } from "../local-network.js";
import { applyNft } from "../nft-apply.js";
import { rebindPolicy } from "../rebinding.js";
import { resolveNames } from "../dns/resolve-names.js";
import { firewallPaths } from "../paths.js";
import { readState } from "../bringup-state.js";
import { createRefresher, type InitialName, type RefresherEvent } from "./refresh-loop.js";
import { firewallPipeline } from "../firewall-telemetry.js";
import { addressPoints, forwarderRecords, refresherRecords, type ForwarderCounts } from "../telemetry-records.js";
import {
  EXIT_CONFIG,
  namesJsonParts,
  namesJsonCache,
  STATUS_END,
  statusHead,
  statusPrefix,
  type RefresherStatus,
} from "./refresher-status.js";
import { writePartsAtomic } from "../../common/json-file.js";
import { elementsOf, latestHolds, type Held } from "./address-book.js";
import { markWritten, mayHold, setWant } from "./kernel-plan.js";
import { renderSetCreate, renderSetUpdate } from "../nft-render.js";
import { rebindingReason } from "../rebinding.js";
import { batchedApply } from "../dns-forwarder/batched-apply.js";
import { DnsForwarder } from "../dns-forwarder/forwarder.js";
import { Upstream } from "../dns-forwarder/upstream.js";
import { NftSession, sessionApply } from "../nft-session.js";

const STATUS_EVERY_MS = 5000;
/** How soon a notable change (refresh-loop.ts's `notable`) reaches the status file, at most. */
const NOTABLE_STATUS_MS = 2000;
const MAX_SLEEP_MS = 1000;
/** At least this long between steps, so names falling due close together share one nft transaction (each costs an nft process). */
const MIN_STEP_GAP_MS = 200;

const arg = (flag: string, dflt: string) => {
  const i = process.argv.indexOf(flag);
  return i >= 0 && process.argv[i + 1] ? (process.argv[i + 1] as string) : dflt;
};
const log = (line: string) => process.stderr.write(`${new Date().toISOString()} refresher[${process.pid}]: ${line}\n`);

async function main(): Promise<number> {
  const stateFile = arg("--state", firewallPaths().state);
  const statusFile = arg("--status", firewallPaths().status);
  const state = readState(stateFile);
  if (!state || state.phase !== "enforce") {
    log(
      `the firewall is not enforcing (state ${stateFile}: ${state ? state.phase : "missing"}); nothing to refresh. Run 'sudo init-firewall.sh'.`,
    );
    return EXIT_CONFIG;
  }
  const settings = state.refresher;
  const rebindCfg = state.rebind;
  if (!settings || !rebindCfg) {
    log(
      `state ${stateFile} has no refresher settings (written by an older bring-up); run 'sudo init-firewall.sh' again`,
    );
    return EXIT_CONFIG;
  }
  const resolvers = state.queryResolvers ?? state.resolvers;
  const rebind = rebindPolicy(rebindCfg, await readLocalNetwork());
  const cfg = {
    minTtl: settings.min_ttl,
    maxTtl: settings.max_ttl,
    grace: settings.grace,
    minInterval: settings.min_interval,
  };
  const initial: InitialName[] = Object.entries(state.names).map(([name, n]) => {
    const addresses = n.addresses.map((x) => ({
      address: x.address,
      family: x.family,
      ttl: x.ttl,
      expiresAt: Date.parse(x.expiresAt),
    }));
    const first = addresses[0];
    return {
      name,
      required: n.required,
      chain: n.chain,
      addresses,
      dropped: n.dropped,
      resolvedAt: first ? first.expiresAt - (first.ttl + cfg.grace) * 1000 : null,
      ...(n.problems.length ? { problem: n.problems.join("; ") } : {}),
    };
  });
  // The allowlist's [telemetry]: address changes, drops and DNS outcomes go to its collector as cordon-dns.
  const telemetry = await firewallPipeline(state, log);
  const meta = {
    pid: process.pid,
    startedAt: Date.now(),
    restarts: Number(process.env.CORDON_REFRESHER_RESTARTS ?? 0),
  };
  // Every set update, the refresher's and the forwarder's, through one nft session, in order: no
  // process start per update, and neither writer's transaction lands between the other's.
  const session = new NftSession(5000, join(dirname(statusFile), "nft-update.nft"));
  const applyUpdate = sessionApply(session, applyNft, log);
  // What the DNS forwarder holds in the firewall: the refresher never shortens these.
  let forwarder: DnsForwarder | null = null;
  const heldByForwarder = (address: string): Held | undefined => {
    const h = forwarder?.heldUntil(address);
    return h ? { family: h.family, ttl: 0, expiresAt: h.until, listed: true } : undefined;
  };
  const refresher = createRefresher(
    cfg,
    {
      now: Date.now,
      rand: Math.random,
      log,
      apply: applyUpdate,
      ...(telemetry
        ? {
            report: (e: RefresherEvent) => {
              const r = refresherRecords(e);
              r.logs.forEach((l) => telemetry.log(l));
              r.metrics.forEach((m) => telemetry.point(m));
            },
          }
        : {}),
      resolve: (names) => resolveNames(names, resolvers, rebind, settings.max_addresses_per_name),
      heldElsewhere: heldByForwarder,
    },
    initial,
  );
  const refreshing = state.refresherEnabled !== false;

  // Forwarder mode: answers the container's DNS, admitting each answer's addresses first.
  if (state.forwarder) {
    const upstream = new Upstream({ servers: resolvers });
    // Admissions that arrive while one is being written go together in the next transaction.
    const apply = batchedApply(applyUpdate);
    const fwd = state.forwarder;
    forwarder = new DnsForwarder(
      { patterns: fwd.patterns, minTtl: cfg.minTtl, maxTtl: cfg.maxTtl, grace: cfg.grace, refuseWith: fwd.refuseWith },
      {
        now: Date.now,
        exchange: (q) => upstream.exchange(q),
        admit: async (_name, addresses, ttl) => {
          const now = Date.now();
          const until = now + (ttl + cfg.grace) * 1000;
          // Addresses the kernel already holds at least that long need no write.
          const family = new Map(
            addresses
              .filter((a) => (refresher.kernel.get(a.address)?.written ?? 0) < until)
              .map((a) => [a.address, a.family]),
          );
          // This answer's expiry, or a longer one the forwarder or the refresher already holds.
          const holds = latestHolds(refresher.book, family.keys(), now, (x) => {
            const held = heldByForwarder(x);
            return held && held.expiresAt > until
              ? held
              : { family: family.get(x) ?? 4, ttl, expiresAt: until, listed: true };
          });
          // What the kernel cannot hold yet is created (one command); the rest is updated (three). If
          // one was there after all (a daemon before this one wrote it), the create fails, changing
          // nothing, and the whole answer is written as an update.
          const fresh: typeof holds = [];
          const known: typeof holds = [];
          for (const h of holds)
            (mayHold(refresher.kernel, h.address, now, heldByForwarder(h.address)?.expiresAt) ? known : fresh).push(h);
          const created = elementsOf(fresh, now);
          const updated = elementsOf(known, now);
          const script = renderSetCreate(created.v4, created.v6) + renderSetUpdate(updated.v4, updated.v6);
          if (!script) return;
          try {
            await apply(script);
          } catch (e) {
            if (!fresh.length) throw e;
            const all = elementsOf(holds, now);
            await apply(renderSetUpdate(all.v4, all.v6));
          }
          // The refresher's plan learns the longer expiry, so it neither shortens it nor writes it again.
          for (const h of holds) {
            const k = refresher.kernel.get(h.address);
            if (k && h.expiresAt > k.want) setWant(refresher.kernel, h.address, h.family, h.expiresAt);
          }
          markWritten(refresher.kernel, new Map(holds.map((h) => [h.address, h.expiresAt])));
        },
        rebinding: (name, address) => rebindingReason(name, address, rebind),
        log,
      },
    );
    await forwarder.listen(fwd.listen, 53);
    log(`DNS forwarder listening on ${fwd.listen}:53 (UDP and TCP), upstream ${resolvers.join(", ")}`);
  }
  let listening = Boolean(forwarder);
  const head = (now: number): Omit<RefresherStatus, "names"> => {
    const h = statusHead(refresher, meta, now);
    if (forwarder && state.forwarder)
      h.forwarder = {
        listen: state.forwarder.listen,
        listening,
        ...forwarder.status(now),
        heapMb: Math.round(process.memoryUsage().heapUsed / 1e5) / 10,
      };
    return h;
  };
  // The names' part is most of the status file (1000 names: about 400 kB): each name serialized
  // and encoded again only once a step touched it or an address it shows expired, and written
  // from those buffers (see namesJsonParts).
  const namesCache = namesJsonCache();
  const end = Buffer.from(STATUS_END);
  const writeNow = (now: number) =>
    writePartsAtomic(statusFile, [
      Buffer.from(statusPrefix(head(now))),
      ...namesJsonParts(refresher, now, namesCache),
      end,
    ]);

  log(
    `keeping ${initial.length} names in step with DNS via ${resolvers.join(", ")} (TTL ${cfg.minTtl}..${cfg.maxTtl} s, grace ${cfg.grace} s, floor ${cfg.minInterval} s)`,
  );

  let stopping = false;
  let wake: (() => void) | null = null;
  const stop = (sig: string) => {
    log(`${sig}: stopping; allowed addresses stay until their expiry`);
    stopping = true;
    wake?.();
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));

  writeNow(Date.now());
  let lastStatus = Date.now();
  let lastQueries = 0;
  let lastNotable = refresher.notable;
  let reported: ForwarderCounts = { answered: 0, cached: 0, refused: 0, servfail: 0 };
  /** The forwarder's refusals since the last status write: into the log, and to the collector. */
  const reportForwarder = () => {
    if (!forwarder) return;
    const now = { ...forwarder.counters };
    const refused = now.refused - reported.refused;
    const latest = forwarder.refusedSample.slice(-Math.min(refused, 5));
    if (refused > 0)
      log(`refused ${refused} quer${refused === 1 ? "y" : "ies"} for unlisted names; latest: ${latest.join(", ")}`);
    if (telemetry) {
      const r = forwarderRecords(reported, now, latest);
      r.logs.forEach((l) => telemetry.log(l));
      r.metrics.forEach((m) => telemetry.point(m));
    }
    reported = now;
  };
  while (!stopping) {
    if (refreshing) await refresher.step();
    const now = Date.now();
    // After a notable change (addresses, errors, recoveries: refresh-loop.ts) at most every 2 s,
    // otherwise every STATUS_EVERY_MS as a heartbeat, which also carries routine refreshes: with
    // names refreshing all the time, a write every 2 s (the whole file, 400 kB at 1000 names) was
    // a tenth of the daemon's CPU at the shipped clamps. The forwarder's counters: at most once a
    // second while it is answering.
    const queries = forwarder?.counters.queries ?? 0;
    if (
      (refresher.notable !== lastNotable && now - lastStatus >= NOTABLE_STATUS_MS) ||
      (queries !== lastQueries && now - lastStatus >= 1000) ||
      now - lastStatus >= STATUS_EVERY_MS
    ) {
      lastQueries = queries;
      lastNotable = refresher.notable;
      reportForwarder();
      writeNow(now);
      lastStatus = now;
      if (telemetry) {
        // Addresses the names list, per name, by family.
        let v4 = 0;
        let v6 = 0;
        for (const held of refresher.book.values())
          for (const h of held.values()) {
            if (!h.listed || h.expiresAt <= now) continue;
            if (h.family === 4) v4++;
            else v6++;
          }
        addressPoints(v4, v6).forEach((m) => telemetry.point(m));
      }
    }
    // Asleep until a name or a kernel write is due, or the next heartbeat; with the forwarder, at
    // most a second (its counters). Waking every second for nothing was a quarter of an idle
    // refresher's CPU.
    // A notable change not yet written wakes the loop once its 2 s are up.
    const statusDue = lastStatus + (refresher.notable !== lastNotable ? NOTABLE_STATUS_MS : STATUS_EVERY_MS);
    const cap = forwarder ? MAX_SLEEP_MS : Math.max(0, statusDue - Date.now());
    const wait = Math.max(
      MIN_STEP_GAP_MS - (Date.now() - now),
      Math.min(refreshing ? refresher.nextDueAt() - Date.now() : cap, cap),
    );
    await new Promise<void>((res) => {
      const t = setTimeout(res, wait);
      wake = () => {
        clearTimeout(t);
        res();
      };
    });
    wake = null;
  }
  forwarder?.close();
  listening = false;
  writeNow(Date.now());
  await telemetry?.shutdown(2000);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    log(`crashed: ${(e as Error).stack ?? String(e)}`);
    process.exit(1);
  },
);
