#!/usr/bin/env node
import { fileURLToPath } from "node:url";
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
  process.stderr.write(`cordon: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
