// A small deterministic random source for property-style unit tests: the same seed gives the same
// sequence on every run, so a failure can be replayed.

/** Integers in [0, n) from a linear congruential sequence started at `seed`. */
export function seededInts(seed: number): (n: number) => number {
  let s = seed;
  return (n) => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s % n;
  };
}
