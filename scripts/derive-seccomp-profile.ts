// Derives .devcontainer/seccomp/seccomp-bwrap.json from Docker's default
// profile plus cordon's reviewed additions. Pure merge in `deriveProfile`; the
// CLI entry writes the file (or, with --check, fails when it is stale).
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export interface SeccompRule {
  names: string[];
  action: string;
  args?: unknown[] | null;
  comment?: string;
  includes?: Record<string, unknown>;
  excludes?: Record<string, unknown>;
  errnoRet?: number;
}
export interface SeccompProfile {
  defaultAction: string;
  archMap?: unknown[];
  syscalls: SeccompRule[];
  [k: string]: unknown;
}

/** Docker's default profile with the additions appended after its own rules. */
export function deriveProfile(base: SeccompProfile, additions: { syscalls: SeccompRule[] }): SeccompProfile {
  for (const rule of additions.syscalls) {
    if (!rule.comment?.startsWith("cordon: ")) {
      throw new Error(`seccomp addition for ${rule.names.join(",")} needs a "comment" starting with "cordon: "`);
    }
    if (rule.action !== "SCMP_ACT_ALLOW") {
      throw new Error(`seccomp addition for ${rule.names.join(",")}: only SCMP_ACT_ALLOW additions are expected`);
    }
  }
  return { ...base, syscalls: [...base.syscalls, ...additions.syscalls.map((r) => ({ ...r }))] };
}

const dir = new URL("../.devcontainer/seccomp/", import.meta.url);
export const paths = {
  base: new URL("docker-default.json", dir),
  additions: new URL("bwrap-additions.json", dir),
  derived: new URL("seccomp-bwrap.json", dir),
};

export function renderDerived(): string {
  const base = JSON.parse(readFileSync(paths.base, "utf8")) as SeccompProfile;
  const additions = JSON.parse(readFileSync(paths.additions, "utf8")) as { syscalls: SeccompRule[] };
  return `${JSON.stringify(deriveProfile(base, additions), null, 2)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const text = renderDerived();
  if (process.argv.includes("--check")) {
    if (readFileSync(paths.derived, "utf8") !== text) {
      console.error("seccomp-bwrap.json is stale: run `npm run seccomp:derive`");
      process.exit(1);
    }
  } else {
    writeFileSync(paths.derived, text);
    console.log(`wrote ${fileURLToPath(paths.derived)}`);
  }
}
