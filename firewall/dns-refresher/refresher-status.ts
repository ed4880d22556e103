// The refresher's status file: per name what it holds, its TTL, next refresh
// and last error, plus a heartbeat. The daemon writes it; `cordon firewall
// status` reads it (everyone may).
import { readJsonOrNull } from "../../common/json-file.js";
import { firewallPaths } from "../paths.js";
import type { ForwarderCounters } from "../dns-forwarder/forwarder.js";
import type { NameStatus, Refresher } from "./refresh-loop.js";

/** The system user the refresher runs as, with CAP_NET_ADMIN only. */
export const REFRESHER_USER = "cordon-dns";
/** The daemon's exit status for "do not restart me": the configuration is wrong, a restart will not help. */
export const EXIT_CONFIG = 78;
/** No heartbeat for this long: the refresher counts as stopped. */
export const HEARTBEAT_STALE_MS = 15_000;

export interface AddressStatus {
  address: string;
  family: 4 | 6;
  ttl: number;
  expiresAt: string;
  /** False when DNS no longer lists it and it only waits for its expiry. */
  listed: boolean;
}

export interface NameStatusView {
  required: boolean;
  chain: string[];
  ttl: number | null;
  addresses: AddressStatus[];
  lastRefreshAt: string | null;
  nextRefreshAt: string;
  lastError: string | null;
  failures: number;
  dropped: { address: string; reason: string }[];
}

/** The DNS forwarder's part of the status (forwarder mode only). */
export interface ForwarderStatusView extends ForwarderCounters {
  listen: string;
  listening: boolean;
  cache: number;
  chainTargets: number;
  /** The last refused names (printable, newest last). */
  refusedSample: string[];
  /** The daemon's live JavaScript heap, MB. */
  heapMb?: number;
}

export interface RefresherStatus {
  pid: number;
  startedAt: string;
  heartbeatAt: string;
  restarts: number;
  lastApplyError: string | null;
  names: Record<string, NameStatusView>;
  forwarder?: ForwarderStatusView;
}

const iso = (ms: number) => new Date(ms).toISOString();

export function snapshot(
  r: Refresher,
  meta: { pid: number; startedAt: number; restarts: number },
  now: number,
): RefresherStatus {
  return { ...statusHead(r, meta, now), names: snapshotNames(r, now) };
}

/** Everything but the names: small, and new on every heartbeat. */
export function statusHead(
  r: Refresher,
  meta: { pid: number; startedAt: number; restarts: number },
  now: number,
): Omit<RefresherStatus, "names"> {
  return {
    pid: meta.pid,
    startedAt: iso(meta.startedAt),
    heartbeatAt: iso(now),
    restarts: meta.restarts,
    lastApplyError: r.lastApplyError,
  };
}

/** One name's view at `now`, and until when it holds (the first expiry among the addresses it shows). */
function nameView(r: Refresher, name: string, s: NameStatus, now: number): { view: NameStatusView; until: number } {
  let until = Infinity;
  const addresses: AddressStatus[] = [];
  r.book.get(name)?.forEach((h, address) => {
    if (h.expiresAt <= now) return;
    until = Math.min(until, h.expiresAt);
    addresses.push({ address, family: h.family, ttl: h.ttl, expiresAt: iso(h.expiresAt), listed: h.listed });
  });
  const view: NameStatusView = {
    required: s.required,
    chain: s.chain,
    ttl: s.ttl,
    addresses,
    lastRefreshAt: s.lastRefreshAt === null ? null : iso(s.lastRefreshAt),
    nextRefreshAt: iso(s.nextRefreshAt),
    lastError: s.lastError,
    failures: s.failures,
    dropped: s.dropped,
  };
  return { view, until };
}

/** Each name's view at `now`. */
export function snapshotNames(r: Refresher, now: number): Record<string, NameStatusView> {
  const names: Record<string, NameStatusView> = {};
  r.names.forEach((s, name) => {
    names[name] = nameView(r, name, s, now).view;
  });
  return names;
}

/** The names' part of the status file between writes: each name's JSON, encoded once. */
export interface NamesJsonCache {
  parts: Map<string, { lastRefreshAt: number | null; failures: number; next: number; until: number; json: Buffer }>;
}

export const namesJsonCache = (): NamesJsonCache => ({ parts: new Map() });

const OPEN = Buffer.from("{");
const COMMA = Buffer.from(",");
const CLOSE = Buffer.from("}");

/**
 * The names' part of the status file (what JSON.stringify(snapshotNames(r, now)) gives) as the
 * buffers to write in order: each name's `"name":{...}` between braces and commas. `cache`: a name
 * is serialized (and encoded) again only once a refresh step touched it (every step that does sets
 * its last refresh or counts a failure, and moves its next refresh) or an address it shows has
 * expired. With 1000 names the whole part is about 400 kB: joined into one string and encoded at
 * every write (every 2 s while names refresh) it was a quarter of a quiet daemon's CPU, most of
 * it garbage collection; the parts are written as they are (writev), never joined.
 */
export function namesJsonParts(r: Refresher, now: number, cache: NamesJsonCache): Buffer[] {
  const out: Buffer[] = [OPEN];
  r.names.forEach((s, name) => {
    let p = cache.parts.get(name);
    if (
      !p ||
      p.lastRefreshAt !== s.lastRefreshAt ||
      p.failures !== s.failures ||
      p.next !== s.nextRefreshAt ||
      now >= p.until
    ) {
      const v = nameView(r, name, s, now);
      p = {
        lastRefreshAt: s.lastRefreshAt,
        failures: s.failures,
        next: s.nextRefreshAt,
        until: v.until,
        json: Buffer.from(`${JSON.stringify(name)}:${JSON.stringify(v.view)}`),
      };
      cache.parts.set(name, p);
    }
    if (out.length > 1) out.push(COMMA);
    out.push(p.json);
  });
  out.push(CLOSE);
  return out;
}

/**
 * The status file's text from its head and the names already serialized: the daemon keeps the
 * names' JSON (most of the file) between heartbeats and serializes it again only when it changed.
 */
export function statusText(head: Omit<RefresherStatus, "names">, namesJson: string): string {
  return `${statusPrefix(head)}${namesJson}${STATUS_END}`;
}

/** The status file up to its names' part (which STATUS_END closes). */
export function statusPrefix(head: Omit<RefresherStatus, "names">): string {
  return `${JSON.stringify(head).slice(0, -1)},"names":`;
}

export const STATUS_END = "}\n";

export function readStatus(file = firewallPaths().status): RefresherStatus | null {
  return readJsonOrNull<RefresherStatus>(file);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to another user (as the refresher does).
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Whether the refresher is running and keeping up, and if not, why. Pure but for the pid check. */
export function refresherHealth(
  s: RefresherStatus | null,
  now: number,
  isAlive: (pid: number) => boolean = alive,
): { healthy: boolean; detail: string } {
  if (!s)
    return {
      healthy: false,
      detail: `not running (no status at ${firewallPaths().status}); allowed addresses expire at their TTL and are not renewed`,
    };
  const age = now - Date.parse(s.heartbeatAt);
  if (!isAlive(s.pid))
    return {
      healthy: false,
      detail: `not running (pid ${s.pid} is gone; last heartbeat ${Math.round(age / 1000)} s ago); allowed addresses expire at their TTL`,
    };
  if (age > HEARTBEAT_STALE_MS)
    return { healthy: false, detail: `stalled: no heartbeat for ${Math.round(age / 1000)} s (pid ${s.pid})` };
  if (s.lastApplyError) return { healthy: false, detail: `running, but nft updates fail: ${s.lastApplyError}` };
  const failing = Object.entries(s.names).filter(([, n]) => n.lastError).length;
  return {
    healthy: true,
    detail: `running (pid ${s.pid}, since ${s.startedAt}, ${s.restarts} restart${s.restarts === 1 ? "" : "s"})${failing ? `; ${failing} name${failing > 1 ? "s" : ""} failing to resolve` : ""}`,
  };
}
