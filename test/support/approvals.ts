// What the approval tests share: the real bash grammar (tree-sitter-bash,
// WASM) loaded once per file, and a proposal taken apart as the orchestrator does.
import { beforeAll } from "vitest";
import { loadShellParser, parseBash } from "../../agent/approvals/bash-parser.js";
import { knownSafe } from "../../agent/approvals/safe-commands.js";
import { commandFacts, shellScript } from "../../agent/approvals/shell-parse.js";

export function useBashParser(): void {
  beforeAll(async () => {
    await loadShellParser();
  });
}

export const bash = (s: string) => ["bash", "-lc", s];

export const facts = (argv: string[]) => {
  const s = shellScript(argv);
  return commandFacts(argv, s === null ? null : parseBash(s));
};

/** Known-safe, with every program taken to be the system's own. */
export const safeOf = (argv: string[]) => knownSafe(facts(argv), () => true);
