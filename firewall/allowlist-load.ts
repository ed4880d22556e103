// Reads an allowlist file: TOML syntax errors and schema errors both come back
// as one message naming the file, the line, the key and the bad value.
import { readFileSync } from "node:fs";
import { parse, TomlError } from "smol-toml";
import { describeIssue } from "../common/toml-errors.js";
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

/** Parses allowlist TOML text; throws AllowlistError naming file, line, key and value. */
export function parseAllowlist(source: string, file: string): Allowlist {
  let raw: unknown;
  try {
    raw = parse(source);
  } catch (e) {
    if (e instanceof TomlError) {
      throw new AllowlistError(file, [`line ${e.line}, column ${e.column}: TOML syntax error: ${e.message.split("\n")[0]}`]);
    }
    throw new AllowlistError(file, [`cannot parse: ${(e as Error).message}`]);
  }
  const r = AllowlistSchema.safeParse(raw);
  if (!r.success) throw new AllowlistError(file, r.error.issues.map((i) => describeIssue(source, raw, i)));
  return r.data;
}

export function loadAllowlist(file: string): Allowlist {
  let source: string;
  try {
    source = readFileSync(file, "utf8");
  } catch (e) {
    throw new AllowlistError(file, [`cannot read the file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`]);
  }
  return parseAllowlist(source, file);
}
