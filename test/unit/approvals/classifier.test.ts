// The approval checks as tables: known-safe, dangerous, the bash parser's
// view of scripts, and the decision table policy x classification x rules x
// grant. The bash grammar is the real tree-sitter-bash (WASM).
// Cases marked "codex" are ported from Codex's command-safety tests
// (is_safe_command, is_dangerous_command, bash parser); where cordon
// deliberately differs, the case says so.
import { beforeAll, describe, expect, it } from "vitest";
import { loadShellParser, parseBash } from "../../../agent/approvals/bash-parser.js";
import { dangerReason } from "../../../agent/approvals/dangerous.js";
import { approvalKey, decideApproval, permissionLabel, type ApprovalPolicy, type Permission, type Proposal } from "../../../agent/approvals/approval-table.js";
import { knownSafe, unsafeOption } from "../../../agent/approvals/safe-commands.js";
import { commandFacts, shellScript } from "../../../agent/approvals/shell-parse.js";

beforeAll(async () => {
  await loadShellParser();
});

const bash = (s: string) => ["bash", "-lc", s];
const facts = (argv: string[]) => {
  const s = shellScript(argv);
  return commandFacts(argv, s === null ? null : parseBash(s));
};
const system = () => true;
const safeOf = (argv: string[]) => knownSafe(facts(argv), system);

describe("the bash parser's view of a script", () => {
  it.each([
    ["ls && cat a | wc -l", [["ls"], ["cat", "a"], ["wc", "-l"]], null],
    ["FOO=1 rm -rf /", [["rm", "-rf", "/"]], /sets environment variables/],
    ["if true; then sudo id; fi", [["true"], ["sudo", "id"]], /if statement/],
    ["for f in a b; do rm -rf /$f; done", [["rm", "-rf", "/$f"]], /loop/],
    ["echo $(sudo id) <(curl x)", [["sudo", "id"], ["curl", "x"], ["echo", "$(sudo id)", "<(curl x)"]], /substitution/],
    ["case x in a) rm -rf ~;; esac", [["rm", "-rf", "~"]], /case/],
    ["(cd /; ls) | grep x", [["cd", "/"], ["ls"], ["grep", "x"]], null],
    ["echo 'a && b' \"c; d\"", [["echo", "a && b", "c; d"]], null],
    ["ls # a comment\npwd", [["ls"], ["pwd"]], null],
    ["echo {a,b}", [["echo", "{a,b}"]], /brace expansion/],
    ["echo $'\\x41'", [["echo", "$'\\x41'"]], /\$'\.\.\.' quoting/],
    ["cat <<EOF\nhi\nEOF", [["cat"]], /here-document/],
    ["ls *.ts", [["ls", "*.ts"]], /glob/],
    ["cat $HOME/x", [["cat", "$HOME/x"]], /variable/],
    ["ls > out", [["ls"]], /redirection/],
    ["ls & rm x", [["ls"], ["rm", "x"]], /background/],
    ["f() { rm -rf /; }; f", [["rm", "-rf", "/"], ["f"]], /function/],
  ] as const)("%s", (script, commands, notSafe) => {
    const p = facts(bash(script));
    expect(p.commands).toEqual(commands);
    if (notSafe) expect(p.notSafe).toMatch(notSafe);
    else expect(p.notSafe).toBeNull();
  });
  it("marks what it cannot read, and sees the danger in it anyway", () => {
    const p = facts(bash("ls && (sudo rm -rf / "));
    expect(p.understood).toBe(false);
    expect(p.notSafe).toMatch(/could not fully read/);
    expect(dangerReason(p, "ls && (sudo rm -rf / ", { cwd: "/w", home: "/h", workspaceRoots: ["/w"] })).toMatch(/sudo/);
  });
  it("records output redirection targets, also inside compound commands", () => {
    expect(facts(bash("{ echo x; } >> ~/.bashrc; if true; then cat a > /etc/profile; fi")).redirectTargets).toEqual(["~/.bashrc", "/etc/profile"]);
  });
});

describe("known-safe classifier", () => {
  const safe: string[][] = [
    // codex: is_known_safe_command
    ["ls"], ["ls", "-la", "src"], ["cat", "README.md"], ["head", "-n", "5", "a"], ["tail", "-f", "log"], ["wc", "-l", "x"], ["pwd"], ["echo", "hi"], ["true"], ["whoami"],
    ["grep", "-rn", "TODO", "."], ["rg", "-n", "foo"], ["rg", "--files"], ["find", ".", "-name", "*.ts"], ["find", ".", "-type", "f", "-newer", "x"],
    ["sed", "-n", "1,20p", "a.ts"], ["sed", "-n", "5p", "a.ts"], ["sed", "-n", "$p", "a"], ["nl", "-ba", "f"], ["file", "x"], ["diff", "-u", "a", "b"],
    ["git", "status"], ["git", "log", "--oneline", "-5"], ["git", "diff", "HEAD~1"], ["git", "show", "HEAD"], ["git", "branch"], ["git", "branch", "-a"], ["git", "--no-pager", "log"],
    ["sort", "file"], ["sort", "-u", "file"], ["uniq", "-c"], ["uniq", "in.txt"],
    bash("ls && cat a | wc -l"), bash("git status; git diff"), bash("grep -r 'a && b' ."), bash("cat 'file; rm -rf /'"), bash("rg foo || echo none"),
    ["bash", "-c", "ls"], ["sh", "-c", "pwd"], bash("echo 'a|b'"), bash(`grep -n "x > y" f`), bash("(ls)"), bash("ls\npwd"), bash("echo hi # comment"),
  ];
  it.each(safe.map((a) => [a.join(" "), a]))("safe: %s", (_, argv) => expect(safeOf(argv as string[])).toMatchObject({ safe: true }));

  const unsafe: [string[], RegExp][] = [
    [["rm", "x"], /not on the known-safe list/], [["npm", "test"], /not on the known-safe list/], [["python3", "-c", "1"], /not on the known-safe list/],
    // codex: find with -exec/-delete/-fprint* is not safe
    [["find", ".", "-exec", "rm", "{}", ";"], /-exec/], [["find", ".", "-delete"], /-delete/], [["find", ".", "-execdir", "x", ";"], /-execdir/], [["find", ".", "-fprint", "out"], /-fprint/],
    [["find", ".", "-okdir", "x", ";"], /-okdir/], [["find", ".", "-fls", "out"], /-fls/],
    // codex: rg --pre / --search-zip / -z run programs
    [["rg", "--pre", "sh", "x"], /--pre/], [["rg", "--pre=cat", "x"], /--pre/], [["rg", "-z", "x"], /-z/], [["rg", "-nz", "x"], /-nz/], [["rg", "--search-z", "x"], /--search-z/],
    // sort writes with -o/--output (any abbreviation, combined flags) and runs --compress-program
    [["sort", "-o", "out", "in"], /-o/], [["sort", "-uo", "out", "in"], /-uo/], [["sort", "--output=out", "in"], /--output/], [["sort", "--outp=x", "in"], /--outp/],
    [["sort", "--o", "x"], /--o/], [["sort", "--compress-program=sh", "in"], /--compress-program/], [["sort", "--compress=sh", "in"], /--compress/],
    [["uniq", "in", "out"], /writes out/], [["uniq", "-c", "in", "out"], /writes out/],
    [["file", "-C", "-m", "magic"], /-C/], [["file", "--compile"], /--compile/], [["diff", "-l", "a", "b"], /-l/], [["diff", "--pag", "a", "b"], /--pag/],
    [["sed", "-i", "s/a/b/", "f"], /sed other than/], [["sed", "s/a/b/w out", "f"], /sed other than/], [["sed", "-n", "1p;w out", "f"], /sed other than/], [["sed", "-n", "e ls", "f"], /sed other than/],
    [["git", "-c", "core.pager=sh", "log"], /-c/], [["git", "-ccore.pager=x", "log"], /-ccore/], [["git", "--exec-path=/tmp", "status"], /exec-path/], [["git", "-C", "/", "status"], /-C/],
    [["git", "log", "--output=/tmp/x"], /--output/], [["git", "log", "--outp=/tmp/x"], /--outp/], [["git", "diff", "--ext-diff"], /--ext-diff/], [["git", "show", "--textconv"], /--textconv/],
    [["git", "commit", "-m", "x"], /not a read-only git command/], [["git", "push"], /not a read-only/], [["git", "checkout", "."], /not a read-only/], [["git", "config", "x"], /not a read-only/],
    [["git", "branch", "-D", "main"], /changes branches/], [["git", "branch", "new"], /changes branches/], [["git", "branch", "--unset-upstream"], /--unset-upstream/],
    [["git", "branch", "--edit-des"], /--edit-des/], [["git", "branch", "-vd", "x"], /-vd/], [["git"], /not a read-only/],
    [["/bin/ls"], /is a path/], [["./ls"], /is a path/], [bash("./bin/sh -c ls"), /is a path/],
    [bash("ls && rm -rf x"), /rm is not on/], [bash("cat a > b"), /redirection/], [bash("cat a >> ~/.bashrc"), /redirection/], [bash("ls $(rm x)"), /substitution/],
    [bash("ls `rm x`"), /substitution/], [bash("ls & rm x"), /background/], [bash("ls *.ts"), /glob/], [bash("cat $HOME/x"), /variable/],
    [bash("cat <(ls)"), /substitution/], [bash("ls |& cat"), /\|&/], [bash(""), /no command/], [bash("FOO=1 ls"), /environment variables/], [bash("LD_PRELOAD=./x.so cat a"), /environment/],
    [bash("git -c core.fsmonitor=x status"), /-c/], [bash("ls; sed -i s/a/b/ f"), /sed other than/], [bash("ls &&"), /could not fully read/], [bash("ls ) x"), /could not fully read/],
    [bash("find . -{exec,delete}"), /brace expansion/], [bash("echo $'\\e[2J'"), /quoting/], [bash("cat <<< x"), /here-string/],
  ];
  it.each(unsafe.map(([a, r]) => [a.join(" "), a, r] as const))("not safe: %s", (_, argv, reason) => {
    const r = safeOf(argv);
    expect(r.safe).toBe(false);
    expect(r.reason).toMatch(reason);
  });

  it("calls a command known-safe only when the system's own program will run", () => {
    expect(knownSafe(facts(["ls"]), (n) => n !== "ls")).toEqual({ safe: false, reason: "ls on PATH is not the system's own program (it is missing, or lies where commands can write)", needsSandbox: false });
  });
  it("says git is known-safe only inside a sandbox (repository config can run programs)", () => {
    expect(safeOf(["git", "status"])).toEqual({ safe: true, reason: "known-safe read-only command", needsSandbox: true });
    expect(safeOf(["ls"]).needsSandbox).toBe(false);
  });
  it("reads options the way getopt does", () => {
    const rules = { long: ["output", "compress-program"], short: "o" };
    expect(["--o", "--ou", "--output=x", "-o", "-uo", "-ko"].map((a) => unsafeOption([a], rules))).toEqual(["--o", "--ou", "--output=x", "-o", "-uo", "-ko"]);
    expect(["--unique", "-u", "-k2", "--", "x"].map((a) => unsafeOption([a], rules))).toEqual([null, null, null, null, null]);
    expect(unsafeOption(["--", "-o"], rules)).toBeNull(); // after --, operands
  });
});

describe("dangerous commands", () => {
  const ctx = { cwd: "/work/repo/src", home: "/home/u", workspaceRoots: ["/work/repo", "/tmp"] };
  const danger: [string[], RegExp][] = [
    // codex: is_dangerous_command (rm -rf, sudo) - seen everywhere in the script
    [["sudo", "ls"], /sudo runs commands/], [["/usr/bin/sudo", "-u", "x", "id"], /sudo/], [["su", "-"], /su runs/], [["doas", "x"], /doas/], [bash("ls && sudo rm x"), /sudo/],
    [["rm", "-rf", "/"], /outside the workspace/], [["rm", "-rf", "/home/u/project"], /outside/], [["rm", "-rf", "../../etc"], /outside/], [["rm", "-r", "~"], /outside/], [["rm", "-f", "$HOME/x"], /outside/],
    [["rm", "-rf", "/work/repo"], /outside/], [["rm", "-rf", ".."], /outside/], [bash("cd x && rm -rf /etc"), /outside/],
    [bash("echo alias ls=rm >> ~/.bashrc"), /start-up file ~\/\.bashrc/], [bash("cat x > /home/u/.zshrc"), /\.zshrc/], [bash("echo x | tee -a ~/.profile"), /tee touches/],
    [["cp", "evil", "/home/u/.bashrc"], /cp touches/], [["sed", "-i", "s/a/b/", "/home/u/.bash_profile"], /sed touches/], [["ln", "-sf", "x", "~/.config/fish/config.fish"], /ln touches/],
    [bash("echo $(id) > ~/.bashrc"), /start-up file/], [bash("x=1; echo >> /etc/profile"), /start-up file/],
    // hidden in compound scripts and substitutions
    [bash("echo $(sudo id)"), /sudo/], [bash("if true; then rm -rf /; fi"), /outside/], [bash("for i in 1; do sudo x; done"), /sudo/], [bash("FOO=1 sudo -E x"), /sudo/],
    [bash("cat <(sudo cat /etc/shadow)"), /sudo/], [bash("(cd / && rm -rf etc)"), /outside/], [bash("f() { sudo id; }"), /sudo/],
  ];
  it.each(danger.map(([a, r]) => [a.join(" "), a, r] as const))("dangerous: %s", (_, argv, reason) => expect(dangerReason(facts(argv), shellScript(argv), ctx)).toMatch(reason));
  const fine: string[][] = [["rm", "-rf", "build"], ["rm", "-rf", "/work/repo/dist"], ["rm", "-rf", "/tmp/x"], ["rm", "x"], ["rm", "/etc/passwd"], ["cat", "/home/u/.bashrc"], bash("grep x ~/.bashrc"), ["ls"], bash("npm test && rm -rf node_modules"), bash("echo sudo")];
  it.each(fine.map((a) => [a.join(" "), a]))("not dangerous: %s", (_, argv) => expect(dangerReason(facts(argv as string[]), shellScript(argv as string[]), ctx)).toBeNull());
});

describe("approval decisions: policy x classification x rules x grant", () => {
  const SB: Permission = { kind: "sandbox" };
  const OUT: Permission = { kind: "unsandboxed" };
  const NET: Permission = { kind: "sandbox+", network: true, writable: [] };
  const base: Proposal = { tool: "shell", safe: false, danger: null, rule: null, requested: SB, sessionApproved: false };
  const kinds: Record<string, Proposal> = {
    safe: { ...base, safe: true },
    other: base,
    granted: { ...base, sessionApproved: true },
    escalate: { ...base, requested: OUT },
    escalateGranted: { ...base, requested: OUT, sessionApproved: true },
    extra: { ...base, requested: NET },
    extraGranted: { ...base, requested: NET, sessionApproved: true },
    dangerous: { ...base, danger: "sudo runs commands with other privileges", sessionApproved: true },
    ruleAllowEscalate: { ...base, requested: OUT, rule: { decision: "allow", justification: null } },
    ruleAllowSandboxed: { ...base, rule: { decision: "allow", justification: null } },
    rulePrompt: { ...base, safe: true, rule: { decision: "prompt", justification: "talks to the remote" } },
    rulePromptGranted: { ...base, rule: { decision: "prompt", justification: null }, sessionApproved: true },
    ruleForbidden: { ...base, safe: true, rule: { decision: "forbidden", justification: "never" } },
    patch: { ...base, tool: "apply_patch" },
  };
  const G = (sandbox_approval: boolean, rules: boolean, request_permissions = true): ApprovalPolicy => ({ granular: { sandbox_approval, rules, request_permissions, mcp_elicitations: true, skill_approval: true } });
  type Want = ["run" | "ask", Permission] | ["refuse"];
  const table: [string, ApprovalPolicy, keyof typeof kinds, Want][] = [
    ["untrusted", "untrusted", "safe", ["run", SB]], ["untrusted", "untrusted", "other", ["ask", SB]], ["untrusted", "untrusted", "granted", ["run", SB]],
    ["untrusted", "untrusted", "escalate", ["ask", OUT]], ["untrusted", "untrusted", "dangerous", ["ask", SB]], ["untrusted", "untrusted", "patch", ["ask", SB]],
    ["untrusted", "untrusted", "ruleAllowSandboxed", ["run", SB]], ["untrusted", "untrusted", "rulePrompt", ["ask", SB]],
    ["on-request", "on-request", "safe", ["run", SB]], ["on-request", "on-request", "other", ["run", SB]], ["on-request", "on-request", "escalate", ["ask", OUT]],
    ["on-request", "on-request", "escalateGranted", ["run", OUT]], ["on-request", "on-request", "dangerous", ["ask", SB]], ["on-request", "on-request", "patch", ["run", SB]],
    ["on-request", "on-request", "extra", ["ask", NET]], ["on-request", "on-request", "extraGranted", ["run", NET]],
    ["on-request", "on-request", "ruleAllowEscalate", ["run", OUT]], ["on-request", "on-request", "rulePrompt", ["ask", SB]], ["on-request", "on-request", "rulePromptGranted", ["run", SB]],
    ["on-request", "on-request", "ruleForbidden", ["refuse"]],
    ["on-failure", "on-failure", "other", ["run", SB]], ["on-failure", "on-failure", "dangerous", ["ask", SB]],
    ["never", "never", "safe", ["run", SB]], ["never", "never", "other", ["run", SB]], ["never", "never", "escalate", ["refuse"]], ["never", "never", "dangerous", ["refuse"]],
    ["never", "never", "extra", ["refuse"]], ["never", "never", "rulePrompt", ["refuse"]], ["never", "never", "ruleAllowEscalate", ["run", OUT]], ["never", "never", "ruleForbidden", ["refuse"]],
    ["granular(sandbox_approval=false)", G(false, true), "escalate", ["refuse"]], ["granular(sandbox_approval=false)", G(false, true), "other", ["run", SB]],
    ["granular(rules=false)", G(true, false), "dangerous", ["refuse"]], ["granular(rules=false)", G(true, false), "rulePrompt", ["refuse"]],
    ["granular(request_permissions=false)", G(true, true, false), "extra", ["refuse"]], ["granular(all true)", G(true, true), "escalate", ["ask", OUT]],
    ["granular(all true)", G(true, true), "dangerous", ["ask", SB]], ["granular(all true)", G(true, true), "extra", ["ask", NET]],
  ];
  it.each(table)("%s, %s -> %j", (_, policy, kind, want) => {
    const d = decideApproval(policy, "workspace-write", kinds[kind] as Proposal);
    expect(d.action).toBe(want[0]);
    if (d.action !== "refuse") expect(d.permission).toEqual(want[1]);
  });
  it("says why, whole", () => {
    expect(decideApproval("untrusted", "workspace-write", kinds.other as Proposal)).toEqual({ action: "ask", permission: SB, reason: "not on the known-safe list; approval policy untrusted asks" });
    expect(decideApproval("never", "workspace-write", kinds.escalate as Proposal)).toEqual({ action: "refuse", reason: 'running outside the sandbox needs approval, and approval policy "never" does not ask; the command can run inside the workspace-write sandbox' });
    expect(decideApproval("on-request", "workspace-write", kinds.ruleForbidden as Proposal)).toEqual({ action: "refuse", reason: "forbidden by an execpolicy rule: never" });
    expect(decideApproval("on-request", "workspace-write", kinds.extra as Proposal)).toEqual({ action: "ask", permission: NET, reason: "the model asks for extra permissions for this call" });
    expect(decideApproval("on-request", "workspace-write", kinds.other as Proposal)).toEqual({ action: "run", permission: SB, reason: "runs in the workspace-write sandbox" });
  });
  it("never sandboxes in danger-full-access, but still asks for dangerous commands and under untrusted", () => {
    expect(decideApproval("on-request", "danger-full-access", kinds.other as Proposal)).toMatchObject({ action: "run", permission: OUT });
    expect(decideApproval("on-request", "danger-full-access", kinds.dangerous as Proposal)).toMatchObject({ action: "ask", permission: OUT });
    expect(decideApproval("untrusted", "danger-full-access", kinds.other as Proposal)).toMatchObject({ action: "ask", permission: OUT });
  });
  it("keys a session approval by tool, exact argv, workdir and permission: nothing broader", () => {
    const k = approvalKey("shell", ["npm", "test"], "/w", SB);
    expect(k).not.toBe(approvalKey("shell", ["npm", "test"], "/w", OUT)); // never an escalation
    expect(k).not.toBe(approvalKey("shell", ["npm", "test", "--", "x"], "/w", SB)); // never a longer command
    expect(k).not.toBe(approvalKey("shell", ["npm", "test"], "/w/sub", SB)); // never another directory
    expect(k).not.toBe(approvalKey("apply_patch", ["npm", "test"], "/w", SB)); // never a patch
    expect(k).not.toBe(approvalKey("shell", ["npm", "test"], "/w", NET));
    expect(k).toBe(approvalKey("shell", ["npm", "test"], "/w", { kind: "sandbox" }));
  });
  it("labels permission levels as the prompt shows them", () => {
    expect([SB, OUT, NET, { kind: "sandbox+", network: false, writable: ["/opt/x"] } as Permission].map((p) => permissionLabel("workspace-write", p)))
      .toEqual(["workspace-write sandbox", "no sandbox (full access)", "workspace-write sandbox + network on", "workspace-write sandbox + /opt/x writable"]);
  });
});

// Codex's command-safety tests (is_safe_command.rs, is_dangerous_command.rs),
// each with cordon's answer; `differs` says where and why cordon answers otherwise.
describe("Codex's command-safety cases", () => {
  const ctx = { cwd: "/work/repo", home: "/home/u", workspaceRoots: ["/work/repo"] };
  const cases: { argv: string[]; safe: boolean; differs?: string }[] = [
    { argv: ["ls"], safe: true }, { argv: ["base64"], safe: true }, { argv: ["sed", "-n", "1,5p", "file.txt"], safe: true }, { argv: ["nl", "-nrz", "Cargo.toml"], safe: true },
    { argv: ["find", ".", "-name", "file.txt"], safe: true }, { argv: ["numfmt", "1000"], safe: true }, { argv: ["tac", "Cargo.toml"], safe: true },
    { argv: ["git", "status"], safe: true, differs: "Codex always asks for git; cordon runs read-only git unasked only inside the sandbox (the orchestrator asks with full access)" },
    { argv: ["git", "diff", "-p"], safe: true, differs: "as above" }, { argv: ["git", "log", "-p", "-1"], safe: true, differs: "as above" },
    { argv: ["git", "show", "-p", "HEAD"], safe: true, differs: "as above" }, { argv: ["git", "branch", "--show-current"], safe: true, differs: "as above" },
    { argv: bash("git status"), safe: true, differs: "as above" }, { argv: bash("git log -p -1"), safe: true, differs: "as above" },
    { argv: ["cargo", "check"], safe: false }, { argv: ["zsh", "-lc", "ls"], safe: true },
    { argv: ["foo"], safe: false }, { argv: ["git", "fetch"], safe: false }, { argv: ["sed", "-n", "xp", "file.txt"], safe: false },
    { argv: ["find", ".", "-name", "file.txt", "-exec", "rm", "{}", ";"], safe: false }, { argv: ["find", ".", "-name", "*.py", "-execdir", "python3", "{}", ";"], safe: false },
    { argv: ["find", ".", "-name", "file.txt", "-ok", "rm", "{}", ";"], safe: false }, { argv: ["find", ".", "-name", "*.py", "-okdir", "python3", "{}", ";"], safe: false },
    { argv: ["find", ".", "-delete", "-name", "file.txt"], safe: false }, { argv: ["find", ".", "-fls", "/etc/passwd"], safe: false },
    { argv: ["find", ".", "-fprint", "/etc/passwd"], safe: false }, { argv: ["find", ".", "-fprint0", "/etc/passwd"], safe: false },
    { argv: ["find", ".", "-fprintf", "/root/suid.txt", "%#m %u %p\n"], safe: false },
    { argv: ["base64", "-o", "out.bin"], safe: false }, { argv: ["base64", "--output", "out.bin"], safe: false }, { argv: ["base64", "--output=out.bin"], safe: false }, { argv: ["base64", "-ob64.txt"], safe: false },
    { argv: ["rg", "Cargo.toml", "-n"], safe: true }, { argv: ["rg", "--search-zip", "files"], safe: false }, { argv: ["rg", "-z", "files"], safe: false },
    { argv: ["rg", "--pre", "pwned", "files"], safe: false }, { argv: ["rg", "--pre=pwned", "files"], safe: false }, { argv: ["rg", "--hostname-bin", "pwned", "files"], safe: false }, { argv: ["rg", "--hostname-bin=pwned", "files"], safe: false },
    { argv: bash("ls"), safe: true }, { argv: bash("ls -1"), safe: true }, { argv: bash('grep -R "Cargo.toml" -n'), safe: true }, { argv: bash("sed -n 1,5p file.txt"), safe: true },
    { argv: bash("sed -n '1,5p' file.txt"), safe: true }, { argv: bash("find . -name file.txt"), safe: true }, { argv: bash('grep -R "Cargo.toml" -n || true'), safe: true },
    { argv: bash("ls && pwd"), safe: true }, { argv: bash("echo 'hi' ; ls"), safe: true }, { argv: bash("ls | wc -l"), safe: true },
    { argv: ["bash", "-lc", "git", "status"], safe: false }, { argv: bash("'git status'"), safe: false }, { argv: bash("find . -name file.txt -delete"), safe: false },
    { argv: bash("ls && rm -rf /"), safe: false },
    { argv: bash("(ls)"), safe: true, differs: "Codex's parser cannot see into subshells; tree-sitter-bash can, and every command inside is classified" },
    { argv: bash("ls || (pwd && echo hi)"), safe: true, differs: "as above" },
    { argv: bash("ls > out.txt"), safe: false },
  ];
  it.each(cases.map((c) => [c.argv.join(" "), c] as const))("safe? %s", (_, c) => expect(safeOf(c.argv).safe).toBe(c.safe));

  const dangerous: { argv: string[]; dangerous: boolean; differs?: string }[] = [
    { argv: ["rm", "-rf", "/"], dangerous: true }, { argv: ["rm", "-f", "/"], dangerous: true },
    { argv: ["/bin/rm", "-fr", "/tmp/example"], dangerous: true }, { argv: ["rm", "-r", "-f", "/tmp/example"], dangerous: true }, { argv: ["rm", "--force", "/tmp/example"], dangerous: true },
    { argv: ["rm", "/tmp/example", "-f"], dangerous: true }, { argv: ["sudo", "rm", "-rf", "/tmp/example"], dangerous: true },
    { argv: bash("printf x | rm -rf /tmp/example"), dangerous: true }, { argv: bash("if test -d /tmp/example; then rm --force /tmp/example; fi"), dangerous: true },
    { argv: bash('rm -rf "$TARGET" >/dev/null'), dangerous: true }, { argv: bash('for target in /tmp/a /tmp/b; do rm -r -f "$target"; done'), dangerous: true },
    { argv: bash('echo "$(rm -rf /tmp/example)"'), dangerous: true },
    { argv: ["rm", "-rf", "build"], dangerous: false, differs: "Codex asks for every forced rm; cordon asks only outside the workspace (inside it, the sandbox bounds the damage and git restores it)" },
    { argv: ["rm", "-r", "/tmp/example"], dangerous: true, differs: "cordon also asks for recursive removal outside the workspace, forced or not" }, { argv: bash("echo 'rm -rf /tmp/example'"), dangerous: false },
    { argv: ["rm", "--", "-f"], dangerous: false, differs: "cordon reads -f after -- as a flag, but the target is in the workspace" },
  ];
  it.each(dangerous.map((c) => [c.argv.join(" "), c] as const))("dangerous? %s", (_, c) => expect(dangerReason(facts(c.argv), shellScript(c.argv), ctx) !== null).toBe(c.dangerous));
});
