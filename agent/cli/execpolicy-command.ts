// `cordon execpolicy check [--rules FILE]... -- CMD...`: the decision the
// rules give a command (every command of a `bash -lc` script), as JSON.
import { loadShellParser, parseBash } from "../approvals/bash-parser.js";
import { commandFacts, shellScript } from "../approvals/shell-parse.js";
import { cordonHome, loadConfig } from "../config/load.js";
import { loadRules, readRulesFile } from "../execpolicy/load.js";
import { evaluate, RulesError, showPattern } from "../execpolicy/rules.js";
import { projectRoot } from "./agent-setup.js";

export async function execpolicyCheckAction(command: string[], opts: { rules: string[] }): Promise<void> {
  let rules;
  try {
    if (opts.rules.length) rules = opts.rules.flatMap((f) => readRulesFile(f));
    else {
      const root = projectRoot(process.cwd());
      rules = loadRules({
        cordonHome: cordonHome(),
        projectRoot: root,
        projectTrusted: loadConfig().projects[root]?.trust_level === "trusted",
      });
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    process.stderr.write(
      `cordon execpolicy: ${e instanceof RulesError ? e.message : code === "ENOENT" ? `no such rules file: ${(e as NodeJS.ErrnoException).path}` : (e as Error).message}\nNothing was checked.\n`,
    );
    process.exitCode = 2;
    return;
  }
  const script = shellScript(command);
  if (script !== null) await loadShellParser();
  const facts = commandFacts(command, script === null ? null : parseBash(script));
  const commands = facts.commands.length ? facts.commands : [command];
  const ev = evaluate(rules, commands);
  process.stdout.write(
    `${JSON.stringify(
      {
        command,
        commands,
        decision: ev.decision ?? "none",
        justification: ev.justification,
        matched_rules: ev.matched.map((r) => ({
          file: r.file,
          line: r.line,
          pattern: showPattern(r.pattern),
          decision: r.decision,
          justification: r.justification,
          command: r.command,
        })),
      },
      null,
      2,
    )}\n`,
  );
}
