// Codex's command-safety tests (is_safe_command.rs, is_dangerous_command.rs), each with
// cordon's answer; `differs` says where and why cordon answers otherwise.
import { describe, expect, it } from "vitest";
import { dangerReason } from "../../../agent/approvals/dangerous.js";
import { shellScript } from "../../../agent/approvals/shell-parse.js";
import { bash, facts, safeOf, useBashParser } from "../../support/approvals.js";

useBashParser();

describe("Codex's command-safety cases", () => {
  const ctx = { cwd: "/work/repo", home: "/home/u", workspaceRoots: ["/work/repo"] };
  const cases: { argv: string[]; safe: boolean; differs?: string }[] = [
    { argv: ["ls"], safe: true },
    { argv: ["base64"], safe: true },
    { argv: ["sed", "-n", "1,5p", "file.txt"], safe: true },
    { argv: ["nl", "-nrz", "Cargo.toml"], safe: true },
    { argv: ["find", ".", "-name", "file.txt"], safe: true },
    { argv: ["numfmt", "1000"], safe: true },
    { argv: ["tac", "Cargo.toml"], safe: true },
    {
      argv: ["git", "status"],
      safe: true,
      differs:
        "Codex always asks for git; cordon runs read-only git unasked only inside the sandbox (the orchestrator asks with full access)",
    },
    { argv: ["git", "diff", "-p"], safe: true, differs: "as above" },
    { argv: ["git", "log", "-p", "-1"], safe: true, differs: "as above" },
    { argv: ["git", "show", "-p", "HEAD"], safe: true, differs: "as above" },
    { argv: ["git", "branch", "--show-current"], safe: true, differs: "as above" },
    { argv: bash("git status"), safe: true, differs: "as above" },
    { argv: bash("git log -p -1"), safe: true, differs: "as above" },
    { argv: ["cargo", "check"], safe: false },
    { argv: ["zsh", "-lc", "ls"], safe: true },
    { argv: ["foo"], safe: false },
    { argv: ["git", "fetch"], safe: false },
    { argv: ["sed", "-n", "xp", "file.txt"], safe: false },
    { argv: ["find", ".", "-name", "file.txt", "-exec", "rm", "{}", ";"], safe: false },
    { argv: ["find", ".", "-name", "*.py", "-execdir", "python3", "{}", ";"], safe: false },
    { argv: ["find", ".", "-name", "file.txt", "-ok", "rm", "{}", ";"], safe: false },
    { argv: ["find", ".", "-name", "*.py", "-okdir", "python3", "{}", ";"], safe: false },
    { argv: ["find", ".", "-delete", "-name", "file.txt"], safe: false },
    { argv: ["find", ".", "-fls", "/etc/passwd"], safe: false },
    { argv: ["find", ".", "-fprint", "/etc/passwd"], safe: false },
    { argv: ["find", ".", "-fprint0", "/etc/passwd"], safe: false },
    { argv: ["find", ".", "-fprintf", "/root/suid.txt", "%#m %u %p\n"], safe: false },
    { argv: ["base64", "-o", "out.bin"], safe: false },
    { argv: ["base64", "--output", "out.bin"], safe: false },
    { argv: ["base64", "--output=out.bin"], safe: false },
    { argv: ["base64", "-ob64.txt"], safe: false },
    { argv: ["rg", "Cargo.toml", "-n"], safe: true },
    { argv: ["rg", "--search-zip", "files"], safe: false },
    { argv: ["rg", "-z", "files"], safe: false },
    { argv: ["rg", "--pre", "pwned", "files"], safe: false },
    { argv: ["rg", "--pre=pwned", "files"], safe: false },
    { argv: ["rg", "--hostname-bin", "pwned", "files"], safe: false },
    { argv: ["rg", "--hostname-bin=pwned", "files"], safe: false },
    { argv: bash("ls"), safe: true },
    { argv: bash("ls -1"), safe: true },
    { argv: bash('grep -R "Cargo.toml" -n'), safe: true },
    { argv: bash("sed -n 1,5p file.txt"), safe: true },
    { argv: bash("sed -n '1,5p' file.txt"), safe: true },
    { argv: bash("find . -name file.txt"), safe: true },
    { argv: bash('grep -R "Cargo.toml" -n || true'), safe: true },
    { argv: bash("ls && pwd"), safe: true },
    { argv: bash("echo 'hi' ; ls"), safe: true },
    { argv: bash("ls | wc -l"), safe: true },
    { argv: ["bash", "-lc", "git", "status"], safe: false },
    { argv: bash("'git status'"), safe: false },
    { argv: bash("find . -name file.txt -delete"), safe: false },
    { argv: bash("ls && rm -rf /"), safe: false },
    {
      argv: bash("(ls)"),
      safe: true,
      differs: "Codex's parser cannot see into subshells; tree-sitter-bash can, and every command inside is classified",
    },
    { argv: bash("ls || (pwd && echo hi)"), safe: true, differs: "as above" },
    { argv: bash("ls > out.txt"), safe: false },
  ];
  it.each(cases.map((c) => [c.argv.join(" "), c] as const))("safe? %s", (_, c) =>
    expect(safeOf(c.argv).safe).toBe(c.safe),
  );

  const dangerous: { argv: string[]; dangerous: boolean; differs?: string }[] = [
    { argv: ["rm", "-rf", "/"], dangerous: true },
    { argv: ["rm", "-f", "/"], dangerous: true },
    { argv: ["/bin/rm", "-fr", "/tmp/example"], dangerous: true },
    { argv: ["rm", "-r", "-f", "/tmp/example"], dangerous: true },
    { argv: ["rm", "--force", "/tmp/example"], dangerous: true },
    { argv: ["rm", "/tmp/example", "-f"], dangerous: true },
    { argv: ["sudo", "rm", "-rf", "/tmp/example"], dangerous: true },
    { argv: bash("printf x | rm -rf /tmp/example"), dangerous: true },
    { argv: bash("if test -d /tmp/example; then rm --force /tmp/example; fi"), dangerous: true },
    { argv: bash('rm -rf "$TARGET" >/dev/null'), dangerous: true },
    { argv: bash('for target in /tmp/a /tmp/b; do rm -r -f "$target"; done'), dangerous: true },
    { argv: bash('echo "$(rm -rf /tmp/example)"'), dangerous: true },
    {
      argv: ["rm", "-rf", "build"],
      dangerous: false,
      differs:
        "Codex asks for every forced rm; cordon asks only outside the workspace (inside it, the sandbox bounds the damage and git restores it)",
    },
    {
      argv: ["rm", "-r", "/tmp/example"],
      dangerous: true,
      differs: "cordon also asks for recursive removal outside the workspace, forced or not",
    },
    { argv: bash("echo 'rm -rf /tmp/example'"), dangerous: false },
    {
      argv: ["rm", "--", "-f"],
      dangerous: false,
      differs: "cordon reads -f after -- as a flag, but the target is in the workspace",
    },
  ];
  it.each(dangerous.map((c) => [c.argv.join(" "), c] as const))("dangerous? %s", (_, c) =>
    expect(dangerReason(facts(c.argv), shellScript(c.argv), ctx) !== null).toBe(c.dangerous),
  );
});
