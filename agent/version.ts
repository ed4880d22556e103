import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Set by the bundler (scripts/bundle.mjs) from package.json; absent when run from source. */
declare const __CORDON_VERSION__: string | undefined;

/** The package version: the bundle's own, or from the nearest package.json named "cordon" above this module (source, tsc output or bundle). */
export function packageVersion(): string {
  if (typeof __CORDON_VERSION__ === "string") return __CORDON_VERSION__;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      const parsed = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: string; version?: string };
      if (parsed.name === "cordon" && typeof parsed.version === "string") return parsed.version;
    } catch {
      // not here: look one level up
    }
    dir = dirname(dir);
  }
  throw new Error("cordon: cannot find its own package.json; the installation is incomplete");
}
