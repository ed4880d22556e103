// When to retry a model request. Pure.

export const MAX_ATTEMPTS = 5;

/** 429, 408 and 5xx are worth retrying; other 4xx are the request's fault. */
export function retryableStatus(status: number): boolean {
  return status === 429 || status === 408 || status >= 500;
}

/**
 * Delay before attempt `attempt` (1 = first retry): the server's Retry-After
 * (seconds or an HTTP date) when given, capped at 60 s; otherwise exponential
 * from 500 ms with jitter, capped at 16 s.
 */
export function retryDelayMs(attempt: number, retryAfter: string | null, now: number, rand: () => number): number {
  if (retryAfter) {
    const secs = Number(retryAfter);
    if (Number.isFinite(secs) && secs >= 0) return Math.min(60_000, secs * 1000);
    const at = Date.parse(retryAfter);
    if (Number.isFinite(at)) return Math.min(60_000, Math.max(0, at - now));
  }
  return Math.min(16_000, 500 * 2 ** (attempt - 1)) * (0.8 + 0.4 * rand());
}
