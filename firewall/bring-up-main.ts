#!/usr/bin/env node
// Entry point behind init-firewall.sh: `bring-up-main.js --allowlist FILE`.
import { BringUpError, bringUp } from "./bring-up.js";

const args = process.argv.slice(2);
const i = args.indexOf("--allowlist");
const file = i >= 0 ? args[i + 1] : undefined;
if (!file) {
  process.stderr.write("usage: bring-up-main.js --allowlist FILE\n");
  process.exit(2);
}
const log = (line: string) => process.stderr.write(`init-firewall: ${line}\n`);
bringUp({ allowlistFile: file, log }).then(
  () => process.exit(0),
  (e: unknown) => {
    if (e instanceof BringUpError) log(`FAILED: ${e.message}\ninit-firewall: all egress stays blocked (deny-all). Fix the cause above and run 'sudo init-firewall.sh' again.`);
    else log(`FAILED unexpectedly: ${(e as Error).stack ?? String(e)}\ninit-firewall: all egress stays blocked (deny-all) if the first step ran.`);
    process.exit(1);
  },
);
