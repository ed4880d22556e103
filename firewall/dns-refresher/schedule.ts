// When each name is resolved again. Pure: the clock and the randomness are
// passed in, so the unit tests drive it with an injected clock.

export interface ScheduleConfig {
  /** TTL bounds in seconds (the allowlist's refresher.min_ttl / max_ttl). */
  minTtl: number;
  maxTtl: number;
  /** Seconds an address outlives its TTL in the kernel set. */
  grace: number;
  /** Seconds: the floor between two resolutions of one name. */
  minInterval: number;
}

/** Refresh at 0.675..0.75 of the TTL: early enough that a changed record is seen before the old one expires, spread so names with one TTL do not resolve in lockstep. */
const REFRESH_AT = 0.75;
const JITTER = 0.1;
/** Backoff after failures: from max(floor, 1 s), doubling, at most 30 s. */
const RETRY_CAP_MS = 30_000;

/** The one TTL clamp, used by the bring-up and the refresher alike. */
export function clampTtl(ttl: number, c: Pick<ScheduleConfig, "minTtl" | "maxTtl">): number {
  return Math.min(c.maxTtl, Math.max(c.minTtl, ttl));
}

/** Milliseconds from a successful resolution (TTL already clamped) to the next one. */
export function refreshDelayMs(ttl: number, c: ScheduleConfig, rand: () => number): number {
  const ms = ttl * 1000 * REFRESH_AT * (1 - JITTER * rand());
  return Math.max(c.minInterval * 1000, ms);
}

/**
 * How much sooner than its time a refreshed name may be asked, to share a step with a name due
 * earlier: a twentieth of its TTL (a 30 s TTL, due at 20-22.5 s, may go 1.5 s early), never
 * sooner than the floor after its last answer. Each step costs the daemon the same fixed work
 * (which names and addresses are due, a kernel write), so with names spread over time, as they
 * are once the daemon has run a while, steps shared by several names were most of its CPU.
 */
export function earlyWindowMs(ttl: number, delayMs: number, c: Pick<ScheduleConfig, "minInterval">): number {
  return Math.max(0, Math.min(ttl * 1000 * EARLY, delayMs - c.minInterval * 1000));
}
const EARLY = 0.05;

/**
 * Milliseconds from the bring-up's answer to a name's first refresh: anywhere from half the usual
 * delay to all of it. The bring-up resolves every name at once; with only the usual 10 % jitter,
 * names of one TTL would keep falling due together for many cycles (a burst of questions to the
 * resolver every cycle), and the daemon's cost measured in its first minutes would not be the cost
 * of the hours after, when they have drifted apart.
 */
export function firstRefreshDelayMs(ttl: number, c: ScheduleConfig, rand: () => number): number {
  return Math.max(c.minInterval * 1000, refreshDelayMs(ttl, c, rand) * (1 - FIRST_SPREAD * rand()));
}
const FIRST_SPREAD = 0.5;

/** Milliseconds until the next attempt after `failures` (>= 1) failed ones in a row. */
export function retryDelayMs(failures: number, c: ScheduleConfig, rand: () => number): number {
  const base = Math.max(c.minInterval * 1000, 1000);
  const ms = Math.min(RETRY_CAP_MS, base * 2 ** Math.min(failures - 1, 16));
  return Math.max(c.minInterval * 1000, ms * (1 - JITTER * rand()));
}

/**
 * How long before the kernel would drop a refreshed address its longer expiry must be written at the
 * latest: half the grace, from 2 s to 30 s. Extensions wait until then and go together in one nft
 * transaction (kernel-plan.ts).
 */
export function writeAheadMs(c: Pick<ScheduleConfig, "grace">): number {
  return Math.min(30_000, Math.max(2000, c.grace * 500));
}
