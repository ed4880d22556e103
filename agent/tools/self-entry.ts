// Where cordon's own CLI entry is, so it can start itself inside the sandbox
// (apply_patch). Set by the entry point; from source (tests, benchmarks) the
// built bundle beside the sources is used.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

let entry: string | null = null;

export function setSelfEntry(path: string): void {
  entry = path;
}

export function selfEntry(): string {
  if (entry) return entry;
  const built = fileURLToPath(new URL("../../dist/bundle/agent/cli/main.js", import.meta.url));
  if (!existsSync(built)) throw new Error(`cordon's built entry ${built} is missing; run npm run build`);
  return built;
}
