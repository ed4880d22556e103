// The known-safe classifier: options read as getopt does, the system's own program, git only in a sandbox.
import { describe, expect, it } from "vitest";
import { knownSafe, unsafeOption } from "../../../agent/approvals/safe-commands.js";
import { bash, facts, safeOf, useBashParser } from "../../support/approvals.js";

useBashParser();

describe("known-safe classifier", () => {
  const safe: string[][] = [
    // codex: is_known_safe_command
    ["ls"],
    ["ls", "-la", "src"],
    ["cat", "README.md"],
    ["head", "-n", "5", "a"],
    ["tail", "-f", "log"],
    ["wc", "-l", "x"],
    ["pwd"],
    ["echo", "hi"],
    ["true"],
    ["whoami"],
    ["grep", "-rn", "TODO", "."],
    ["rg", "-n", "foo"],
    ["rg", "--files"],
    ["find", ".", "-name", "*.ts"],
    ["find", ".", "-type", "f", "-newer", "x"],
    ["sed", "-n", "1,20p", "a.ts"],
    ["sed", "-n", "5p", "a.ts"],
    ["sed", "-n", "$p", "a"],
    ["nl", "-ba", "f"],
    ["file", "x"],
    ["diff", "-u", "a", "b"],
    ["git", "status"],
    ["git", "log", "--oneline", "-5"],
    ["git", "diff", "HEAD~1"],
    ["git", "show", "HEAD"],
    ["git", "branch"],
    ["git", "branch", "-a"],
    ["git", "--no-pager", "log"],
    ["sort", "file"],
    ["sort", "-u", "file"],
    ["uniq", "-c"],
    ["uniq", "in.txt"],
    bash("ls && cat a | wc -l"),
    bash("git status; git diff"),
    bash("grep -r 'a && b' ."),
    bash("cat 'file; rm -rf /'"),
    bash("rg foo || echo none"),
    ["bash", "-c", "ls"],
    ["sh", "-c", "pwd"],
    bash("echo 'a|b'"),
    bash(`grep -n "x > y" f`),
    bash("(ls)"),
    bash("ls\npwd"),
    bash("echo hi # comment"),
  ];
  it.each(safe.map((a) => [a.join(" "), a]))("safe: %s", (_, argv) =>
    expect(safeOf(argv as string[])).toMatchObject({ safe: true }),
  );

  const unsafe: [string[], RegExp][] = [
    [["rm", "x"], /not on the known-safe list/],
    [["npm", "test"], /not on the known-safe list/],
    [["python3", "-c", "1"], /not on the known-safe list/],
    // codex: find with -exec/-delete/-fprint* is not safe
    [["find", ".", "-exec", "rm", "{}", ";"], /-exec/],
    [["find", ".", "-delete"], /-delete/],
    [["find", ".", "-execdir", "x", ";"], /-execdir/],
    [["find", ".", "-fprint", "out"], /-fprint/],
    [["find", ".", "-okdir", "x", ";"], /-okdir/],
    [["find", ".", "-fls", "out"], /-fls/],
    // codex: rg --pre / --search-zip / -z run programs
    [["rg", "--pre", "sh", "x"], /--pre/],
    [["rg", "--pre=cat", "x"], /--pre/],
    [["rg", "-z", "x"], /-z/],
    [["rg", "-nz", "x"], /-nz/],
    [["rg", "--search-z", "x"], /--search-z/],
    // sort writes with -o/--output (any abbreviation, combined flags) and runs --compress-program
    [["sort", "-o", "out", "in"], /-o/],
    [["sort", "-uo", "out", "in"], /-uo/],
    [["sort", "--output=out", "in"], /--output/],
    [["sort", "--outp=x", "in"], /--outp/],
    [["sort", "--o", "x"], /--o/],
    [["sort", "--compress-program=sh", "in"], /--compress-program/],
    [["sort", "--compress=sh", "in"], /--compress/],
    [["uniq", "in", "out"], /writes out/],
    [["uniq", "-c", "in", "out"], /writes out/],
    [["file", "-C", "-m", "magic"], /-C/],
    [["file", "--compile"], /--compile/],
    [["diff", "-l", "a", "b"], /-l/],
    [["diff", "--pag", "a", "b"], /--pag/],
    [["sed", "-i", "s/a/b/", "f"], /sed other than/],
    [["sed", "s/a/b/w out", "f"], /sed other than/],
    [["sed", "-n", "1p;w out", "f"], /sed other than/],
    [["sed", "-n", "e ls", "f"], /sed other than/],
    [["git", "-c", "core.pager=sh", "log"], /-c/],
    [["git", "-ccore.pager=x", "log"], /-ccore/],
    [["git", "--exec-path=/tmp", "status"], /exec-path/],
    [["git", "-C", "/", "status"], /-C/],
    [["git", "log", "--output=/tmp/x"], /--output/],
    [["git", "log", "--outp=/tmp/x"], /--outp/],
    [["git", "diff", "--ext-diff"], /--ext-diff/],
    [["git", "show", "--textconv"], /--textconv/],
    [["git", "commit", "-m", "x"], /not a read-only git command/],
    [["git", "push"], /not a read-only/],
    [["git", "checkout", "."], /not a read-only/],
    [["git", "config", "x"], /not a read-only/],
    [["git", "branch", "-D", "main"], /changes branches/],
    [["git", "branch", "new"], /changes branches/],
    [["git", "branch", "--unset-upstream"], /--unset-upstream/],
    [["git", "branch", "--edit-des"], /--edit-des/],
    [["git", "branch", "-vd", "x"], /-vd/],
    [["git"], /not a read-only/],
    [["/bin/ls"], /is a path/],
    [["./ls"], /is a path/],
    [bash("./bin/sh -c ls"), /is a path/],
    [bash("ls && rm -rf x"), /rm is not on/],
    [bash("cat a > b"), /redirection/],
    [bash("cat a >> ~/.bashrc"), /redirection/],
    [bash("ls $(rm x)"), /substitution/],
    [bash("ls `rm x`"), /substitution/],
    [bash("ls & rm x"), /background/],
    [bash("ls *.ts"), /glob/],
    [bash("cat $HOME/x"), /variable/],
    [bash("cat <(ls)"), /substitution/],
    [bash("ls |& cat"), /\|&/],
    [bash(""), /no command/],
    [bash("FOO=1 ls"), /environment variables/],
    [bash("LD_PRELOAD=./x.so cat a"), /environment/],
    [bash("git -c core.fsmonitor=x status"), /-c/],
    [bash("ls; sed -i s/a/b/ f"), /sed other than/],
    [bash("ls &&"), /could not fully read/],
    [bash("ls ) x"), /could not fully read/],
    [bash("find . -{exec,delete}"), /brace expansion/],
    [bash("echo $'\\e[2J'"), /quoting/],
    [bash("cat <<< x"), /here-string/],
  ];
  it.each(unsafe.map(([a, r]) => [a.join(" "), a, r] as const))("not safe: %s", (_, argv, reason) => {
    const r = safeOf(argv);
    expect(r.safe).toBe(false);
    expect(r.reason).toMatch(reason);
  });

  it("calls a command known-safe only when the system's own program will run", () => {
    expect(knownSafe(facts(["ls"]), (n) => n !== "ls")).toEqual({
      safe: false,
      reason: "ls on PATH is not the system's own program (it is missing, or lies where commands can write)",
      needsSandbox: false,
    });
  });
  it("looks each program up on PATH once per verdict, however often the script names it", () => {
    const asked: string[] = [];
    const v = knownSafe(facts(bash("ls; ls -la && head -1 f; ls | head -2")), (n) => {
      asked.push(n);
      return true;
    });
    expect([v.safe, asked]).toEqual([true, ["ls", "head"]]);
  });
  it("says git is known-safe only inside a sandbox (repository config can run programs)", () => {
    expect(safeOf(["git", "status"])).toEqual({
      safe: true,
      reason: "known-safe read-only command",
      needsSandbox: true,
    });
    expect(safeOf(["ls"]).needsSandbox).toBe(false);
  });
  it("reads options the way getopt does", () => {
    const rules = { long: ["output", "compress-program"], short: "o" };
    expect(["--o", "--ou", "--output=x", "-o", "-uo", "-ko"].map((a) => unsafeOption([a], rules))).toEqual([
      "--o",
      "--ou",
      "--output=x",
      "-o",
      "-uo",
      "-ko",
    ]);
    expect(["--unique", "-u", "-k2", "--", "x"].map((a) => unsafeOption([a], rules))).toEqual([
      null,
      null,
      null,
      null,
      null,
    ]);
    expect(unsafeOption(["--", "-o"], rules)).toBeNull(); // after --, operands
  });
});
