// One row per measured goal, for `npm run bench`'s table: each benchmark
// prints its own report and, when CORDON_BENCH_SUMMARY names a file, appends
// its rows there as JSON lines.
import { appendFileSync } from "node:fs";

export interface SummaryRow {
  bench: string;
  what: string;
  /** As printed, with its unit. */
  measured: string;
  /** The named peer measured in the same run, or "". */
  peer: string;
  /** measured / peer, when both are times. */
  ratio: number | null;
  goal: string;
  /** null when there is no goal to meet. */
  met: boolean | null;
}

export function summary(rows: SummaryRow[]): void {
  const file = process.env.CORDON_BENCH_SUMMARY;
  if (!file) return;
  for (const r of rows) appendFileSync(file, `${JSON.stringify(r)}\n`);
}
