// One way to read a TOML document against a zod schema, for every file cordon
// reads (config, managed config, requirements, allowlist): a syntax error
// names the line and column, a schema error the line, key and value, each
// through the caller's error type.
import { parse, TomlError } from "smol-toml";
import type { z } from "zod";
import { describeIssue } from "./toml-errors.js";

export type MakeError = (file: string, problems: string[]) => Error;

/** The document as plain data; throws `makeError` with the line and column of a syntax error. */
export function parseToml(source: string, file: string, makeError: MakeError): Record<string, unknown> {
  try {
    return parse(source) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof TomlError)
      throw makeError(file, [`line ${e.line}, column ${e.column}: TOML syntax error: ${e.message.split("\n")[0]}`]);
    throw makeError(file, [`cannot parse: ${(e as Error).message}`]);
  }
}

/** Validates parsed data; every issue becomes one line naming line, key and value. */
export function validateToml<S extends z.ZodType>(
  schema: S,
  raw: unknown,
  source: string,
  file: string,
  makeError: MakeError,
  describe = (i: z.core.$ZodIssue) => describeIssue(source, raw, i),
): z.output<S> {
  const r = schema.safeParse(raw);
  if (!r.success) throw makeError(file, r.error.issues.map(describe));
  return r.data;
}
