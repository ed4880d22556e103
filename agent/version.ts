import { readFileSync } from "node:fs";

/** The package version, read once from package.json next to the build output. */
export function packageVersion(): string {
  // dist/agent/version.js and agent/version.ts are both two levels below the root.
  const url = new URL("../../package.json", import.meta.url);
  const alt = new URL("../package.json", import.meta.url);
  for (const candidate of [url, alt]) {
    try {
      const parsed = JSON.parse(readFileSync(candidate, "utf8")) as { name?: string; version?: string };
      if (parsed.name === "cordon" && typeof parsed.version === "string") return parsed.version;
    } catch {
      // try the next location
    }
  }
  throw new Error("cordon: cannot find its own package.json; the installation is incomplete");
}
