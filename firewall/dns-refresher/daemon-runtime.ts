// How the daemon's Node runs: the supervisor starts it so, and bench/dns does the same.

/**
 * Node flags for the daemon. A small young generation keeps RSS near the live heap. The refresher
 * alone needs little old space; with the DNS forwarder it holds up to 100k cached names.
 * --optimize-for-size grows the heap in smaller steps, and one V8 worker thread leaves fewer
 * half-used pages resident.
 */
export function daemonNodeArgs(forwarder: boolean): string[] {
  return [
    `--max-old-space-size=${forwarder ? 96 : 40}`,
    "--max-semi-space-size=1",
    "--optimize-for-size",
    "--v8-pool-size=1",
    // The refresher alone works in short bursts (a step of up to 64 names) far apart: V8's optimizing
    // compilers spent more CPU re-optimizing each burst's code than they saved, and their code is
    // memory. Interpreted (with the baseline compiler), the shipped clamps measured 0.75 % of a core
    // against 1.03 %, and 60 MB RSS against 71. The forwarder answers tens of thousands of queries
    // a second from a hot path, so with it the compilers stay on.
    ...(forwarder ? [] : ["--no-opt", "--no-maglev"]),
  ];
}

/** Two malloc arenas instead of one per thread: a few MB less resident. */
export const DAEMON_ENV = { MALLOC_ARENA_MAX: "2", MALLOC_MMAP_THRESHOLD_: "131072" } as const;
