// Commands that always ask (and are refused under `never`): privilege
// escalation, recursive/forced removal outside the workspace, writes to shell
// start-up files. Pure: the workspace roots and home are parameters.
import { isAbsolute, normalize, resolve } from "node:path";
import type { ParsedScript } from "./bash-syntax.js";
import { isWithin } from "../../common/paths.js";

export interface DangerContext {
  cwd: string;
  home: string;
  /** Where removal is expected (the writable roots). */
  workspaceRoots: string[];
}

const RC_FILES =
  /(^|\/)(\.bashrc|\.bash_profile|\.bash_login|\.bash_logout|\.profile|\.zshrc|\.zshenv|\.zprofile|\.zlogin|\.inputrc|\.config\/fish\/config\.fish)$|^\/etc\/(profile|bash\.bashrc|zsh\/|environment)/;
const ESCALATE = new Set(["sudo", "su", "doas", "pkexec", "runuser"]);
const WRITERS = new Set([
  "tee",
  "cp",
  "mv",
  "ln",
  "install",
  "dd",
  "sed",
  "perl",
  "truncate",
  "touch",
  "chmod",
  "chown",
  "rm",
]);

function absolute(p: string, c: DangerContext): string {
  const expanded =
    p === "~" ? c.home : p.startsWith("~/") ? `${c.home}/${p.slice(2)}` : p.replace(/^\$HOME(?=\/|$)/, c.home);
  return normalize(isAbsolute(expanded) ? expanded : resolve(c.cwd, expanded));
}

function dangerInCommand(argv: string[], c: DangerContext): string | null {
  const [cmd0, ...args] = argv;
  const cmd = (cmd0 ?? "").split("/").pop() ?? "";
  if (ESCALATE.has(cmd)) return `${cmd} runs commands with other privileges`;
  if (cmd === "rm") {
    const flags = args.filter((a) => a.startsWith("-")).join("");
    const recursiveOrForce = /r|R|f|--recursive|--force/.test(flags);
    const targets = args.filter((a) => !a.startsWith("-"));
    if (recursiveOrForce) {
      const outside = targets.find((t) => {
        // A target the shell expands ($VAR, $(...), `...`, globs) could be anything: judge it outside.
        if (/[$`*?[]/.test(t.replace(/^\$HOME(?=\/|$)/, ""))) return true;
        const abs = absolute(t, c);
        return abs === "/" || !c.workspaceRoots.some((r) => isWithin(abs, r) && abs !== r);
      });
      if (outside)
        return `rm ${flags} on ${outside}, which is outside the workspace (${c.workspaceRoots.join(", ") || "none"})`;
    }
  }
  if (WRITERS.has(cmd)) {
    const rc = args.find((a) => RC_FILES.test(absolute(a, c)));
    if (rc) return `${cmd} touches the shell start-up file ${rc}`;
  }
  return null;
}

/**
 * Why a proposal is dangerous, or null. Every command of a parsed script is
 * checked, inside substitutions and control flow too; a script the parser
 * could not fully read is also searched as raw text.
 */
export function dangerReason(p: ParsedScript, rawScript: string | null, c: DangerContext): string | null {
  const rc = p.redirectTargets.find((t) => RC_FILES.test(absolute(t, c)));
  if (rc) return `the script writes to the shell start-up file ${rc}`;
  // Follow `cd` through the script, so `cd / && rm -rf etc` is judged where it runs.
  let here = c;
  for (const cmd of p.commands) {
    if (cmd[0] === "cd") here = { ...here, cwd: cmd[1] ? absolute(cmd[1], here) : c.home };
    const why = dangerInCommand(cmd, here);
    if (why) return why;
  }
  if (rawScript !== null && !p.understood) {
    const esc = /(^|[^\w./-])(sudo|doas|pkexec|su|runuser)(\s|$)/.exec(rawScript);
    if (esc) return `the script (which the parser could not fully read) runs ${esc[2]}`;
    if (/\brm\s+-[a-zA-Z]*[rRf]/.test(rawScript))
      return "the script (which the parser could not fully read) removes files recursively or by force";
  }
  return null;
}
