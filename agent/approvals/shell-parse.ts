// What a proposed command is made of, for the approval checks: a plain argv
// is one simple command; a `bash -lc` script is whatever the bash parser
// found in it (bash-syntax.ts). Pure: the parse result is an input.
import type { ParsedScript } from "./bash-syntax.js";

export type { ParsedScript } from "./bash-syntax.js";

/** The script inside `bash -lc "..."` (and sh/zsh/dash, -c or -lc), or null for a plain argv. */
export function shellScript(argv: string[]): string | null {
  if (argv.length !== 3) return null;
  const [sh, flag, script] = argv as [string, string, string];
  const base = sh.split("/").pop() ?? sh;
  return ["bash", "sh", "zsh", "dash"].includes(base) && ["-c", "-lc", "-cl"].includes(flag) ? script : null;
}

/** The simple commands of a proposal: the argv itself, or the parsed script's. */
export function commandFacts(argv: string[], parsed: ParsedScript | null): ParsedScript {
  const script = shellScript(argv);
  if (script === null)
    return {
      commands: argv.length ? [argv] : [],
      notSafe: argv.length ? null : "empty command",
      redirectTargets: [],
      understood: true,
    };
  if (parsed) return parsed;
  // No parse (the parser could not load): nothing is known-safe; danger is looked for in the raw text.
  return {
    commands: [],
    notSafe: "the script could not be parsed",
    redirectTargets: [...script.matchAll(/>>?\s*([^\s;&|)]+)/g)].map((m) =>
      (m[1] as string).replace(/^["']|["']$/g, ""),
    ),
    understood: false,
  };
}
