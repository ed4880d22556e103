// Reads an allowlist file: TOML syntax errors and schema errors both come back
// as one message naming the file, the line, the key and the bad value.
import { readFileSync } from "node:fs";
import { parseToml, validateToml } from "../common/toml-file.js";
import { AllowlistSchema, type Allowlist } from "./allowlist-schema.js";

export class AllowlistError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}: invalid allowlist\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "AllowlistError";
  }
}

const allowlistError = (file: string, problems: string[]) => new AllowlistError(file, problems);

/** Parses allowlist TOML text; throws AllowlistError naming file, line, key and value. */
export function parseAllowlist(source: string, file: string): Allowlist {
  return validateToml(AllowlistSchema, parseToml(source, file, allowlistError), source, file, allowlistError);
}

export function loadAllowlist(file: string): Allowlist {
  let source: string;
  try {
    source = readFileSync(file, "utf8");
  } catch (e) {
    throw new AllowlistError(file, [
      `cannot read the file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    ]);
  }
  return parseAllowlist(source, file);
}
