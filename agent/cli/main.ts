#!/usr/bin/env node
import { fileURLToPath } from "node:url";
import { isUserError } from "../../common/user-error.js";
import { setSelfEntry } from "../tools/self-entry.js";

setSelfEntry(fileURLToPath(import.meta.url));
try {
  if (process.argv[2] === "__apply-patch") {
    // Inside the sandbox, on every patch: load only what applying needs.
    (await import("../tools/patch-main.js")).patchMain();
  } else {
    await (await import("./program.js")).buildProgram().parseAsync(process.argv);
  }
} catch (err: unknown) {
  // The one place errors become exit statuses: the user's to fix -> 2 (or the error's own), anything else -> 1.
  process.stderr.write(`cordon: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = isUserError(err) ? err.exitCode : 1;
}
