#!/usr/bin/env node
// The CLI's entry: as little as possible is loaded before it is known what
// the command needs (start-up is mostly loading and compiling code).
import { packageVersion } from "../version.js";

const first = process.argv[2];
if (process.argv.length === 3 && (first === "--version" || first === "-V")) {
  // The version alone needs neither the command parser nor anything else.
  process.stdout.write(`${packageVersion()}\n`);
} else {
  await run();
}

async function run(): Promise<void> {
  const [{ default: module }, { homedir }, { join }, { fileURLToPath }, { reportFailure }, { setSelfEntry }] =
    await Promise.all([
      import("node:module"),
      import("node:os"),
      import("node:path"),
      import("node:url"),
      import("./report-failure.js"),
      import("../tools/self-entry.js"),
    ]);
  setSelfEntry(fileURLToPath(import.meta.url));
  // Node 22+: compiled code is cached between runs. The cache lives in cordon's home, which no
  // sandboxed command can write: code cache from a writable place (a shared /tmp) could be made to
  // run as cordon outside the sandbox. Inside the sandbox (the patch writer) that home is masked, so
  // the call fails quietly and nothing is cached.
  (module as { enableCompileCache?: (dir: string) => unknown }).enableCompileCache?.(
    join(process.env.CORDON_HOME ?? join(homedir(), ".cordon"), "cache", "compile"),
  );
  try {
    if (first === "__apply-patch") {
      // Inside the sandbox, on every patch: load only what applying needs.
      (await import("../tools/patch-main.js")).patchMain();
    } else {
      await (await import("./program.js")).buildProgram().parseAsync(process.argv);
    }
  } catch (err: unknown) {
    reportFailure(err);
  }
}
