// The real ToolRuntime: commands through the sandbox, patches applied by
// cordon inside it, the bash parser loaded on first use, PATH lookups on
// this machine, prefix rules written to the user's rules file.
import { accessSync, constants, realpathSync, statSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { loadShellParser, parseBash } from "../approvals/bash-parser.js";
import { rememberAllowedPrefix } from "../execpolicy/load.js";
import { applyPatch } from "./apply-patch.js";
import type { ToolRuntime } from "./orchestrator.js";
import { runShell } from "./shell.js";
import { isWithin } from "../../common/paths.js";

/**
 * Whether `name` on this PATH is the system's own program: the first match
 * must be an executable file in an absolute PATH directory outside every
 * writable root, and must not resolve into one either.
 */
export function isSystemProgram(name: string, writableRoots: string[], path = process.env.PATH ?? ""): boolean {
  for (const dir of path.split(":")) {
    if (!dir || !isAbsolute(dir)) return false; // "" and relative entries mean the working directory: never the system's
    const file = join(dir, name);
    try {
      // Most PATH entries do not have the program: no exception (and its stack trace) for those.
      if (!statSync(file, { throwIfNoEntry: false })?.isFile()) continue;
      accessSync(file, constants.X_OK);
    } catch {
      continue;
    }
    const real = realpathSync(file);
    return !writableRoots.some((r) => isWithin(dir, r) || isWithin(real, r));
  }
  return false;
}

export function realRuntime(cordonHome: string, env: Record<string, string>): ToolRuntime {
  return {
    shell: (args, policy, sandboxed, commandEnv, signal, onOutput) =>
      runShell(args, policy, sandboxed, commandEnv, signal, onOutput),
    patch: (ops, policy, signal) => applyPatch(ops, policy, signal),
    async parseScript(script) {
      try {
        await loadShellParser();
      } catch {
        return null; // without the parser nothing is known-safe, and danger is looked for in the raw text
      }
      return parseBash(script);
    },
    isSystemProgram: (name, roots) => isSystemProgram(name, roots, env.PATH ?? process.env.PATH ?? ""),
    rememberPrefix: (prefix) => rememberAllowedPrefix(cordonHome, prefix),
  };
}
