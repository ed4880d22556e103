// Splits a `bash -lc` script into simple commands joined by &&, ||, ; and |,
// with shell-quote doing the quoting rules. Anything it cannot express as a
// plain list of words (redirections, subshells, substitutions, globs,
// variables, background jobs) makes the script "opaque": the classifier then
// never calls it safe. Pure.
import { parse } from "shell-quote";

const JOINERS = new Set(["&&", "||", ";", "|"]);
const VAR = "\u0000cordon-var\u0000";

export interface ParsedScript {
  /** Simple commands in order; empty when opaque. */
  commands: string[][];
  /** Why the script is not a plain list of simple commands, or null. */
  opaque: string | null;
  /** Targets of output redirections (> >> &> etc.), for the dangerous-write check. */
  redirectTargets: string[];
}

export function parseScript(script: string): ParsedScript {
  const redirectTargets: string[] = [];
  if (/[`\n]|\$\(|<\(|>\(/.test(script)) return { commands: [], opaque: "command substitution or several lines", redirectTargets: scanRedirects(script) };
  let tokens: ReturnType<typeof parse>;
  try {
    tokens = parse(script, () => VAR);
  } catch (e) {
    return { commands: [], opaque: `cannot parse: ${(e as Error).message}`, redirectTargets };
  }
  const commands: string[][] = [[]];
  let opaque: string | null = null;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as string | { op: string; pattern?: string } | { comment: string };
    const current = commands[commands.length - 1] as string[];
    if (typeof t === "string") {
      if (t.includes(VAR)) opaque ??= "uses a variable";
      current.push(t.replaceAll(VAR, "$VAR"));
    } else if ("comment" in t) {
      opaque ??= "has a comment";
    } else if (t.op === "glob") {
      opaque ??= "uses a glob";
      current.push(t.pattern ?? "");
    } else if (JOINERS.has(t.op)) {
      commands.push([]);
    } else {
      if (t.op.includes(">")) {
        const next = tokens[i + 1];
        if (typeof next === "string") redirectTargets.push(next);
      }
      opaque ??= `uses the shell operator ${t.op}`;
    }
  }
  const nonEmpty = commands.filter((c) => c.length > 0);
  if (nonEmpty.length !== commands.length) opaque ??= "has an empty command";
  return { commands: nonEmpty, opaque, redirectTargets };
}

/** Best-effort redirect targets from raw text, for scripts shell-quote cannot take apart. */
function scanRedirects(script: string): string[] {
  return [...script.matchAll(/>>?\s*([^\s;&|)]+)/g)].map((m) => (m[1] as string).replace(/^["']|["']$/g, ""));
}

/** The script inside `bash -lc "..."` (and sh/zsh, -c or -lc), or null for a plain argv. */
export function shellScript(argv: string[]): string | null {
  if (argv.length !== 3) return null;
  const [sh, flag, script] = argv as [string, string, string];
  const base = sh.split("/").pop() ?? sh;
  return ["bash", "sh", "zsh", "dash"].includes(base) && ["-c", "-lc", "-cl"].includes(flag) ? script : null;
}
