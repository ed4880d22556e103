// The one place errors become exit statuses: the user's to fix -> 2 (or the
// error's own), anything else -> 1. Used by both entries (main.ts, sandbox-main.ts).
import { isUserError } from "../../common/user-error.js";

export function reportFailure(err: unknown): void {
  process.stderr.write(`cordon: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = isUserError(err) ? err.exitCode : 1;
}
