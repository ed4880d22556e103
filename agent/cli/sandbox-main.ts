// `cordon sandbox ...` alone. cordon.cjs loads this for that command, built
// into one CommonJS file with everything it uses (scripts/bundle.mjs): no ESM
// loader and no chunks to resolve, and the compile cache is on before it
// loads. The command runs before every sandboxed step of a script, so its
// start-up is what users wait for most often.
import { reportFailure } from "./report-failure.js";
import { addSandboxCommands, rootProgram } from "./sandbox-program.js";
import { setSelfEntry } from "../tools/self-entry.js";

/** Parses process.argv as `cordon sandbox ...`; `entry` is the full CLI's (for cordon to start itself). */
export async function sandboxMain(entry: string): Promise<void> {
  setSelfEntry(entry);
  const program = rootProgram();
  addSandboxCommands(program);
  try {
    await program.parseAsync(process.argv);
  } catch (err: unknown) {
    reportFailure(err);
  }
}
