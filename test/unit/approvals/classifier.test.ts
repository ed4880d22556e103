import { describe, expect, it } from "vitest";
import { dangerReason } from "../../../agent/approvals/dangerous.js";
import { commandPrefix, decide, type ApprovalPolicy, type Proposal } from "../../../agent/approvals/decide.js";
import { knownSafe } from "../../../agent/approvals/safe-commands.js";

const bash = (s: string) => ["bash", "-lc", s];

describe("known-safe classifier", () => {
  const safe: string[][] = [
    ["ls"], ["ls", "-la", "src"], ["cat", "README.md"], ["head", "-n", "5", "a"], ["tail", "-f", "log"], ["wc", "-l", "x"],
    ["grep", "-rn", "TODO", "."], ["rg", "-n", "foo"], ["rg", "--files"], ["find", ".", "-name", "*.ts"], ["find", ".", "-type", "f", "-newer", "x"],
    ["sed", "-n", "1,20p", "a.ts"], ["sed", "-n", "5p", "a.ts"], ["sed", "-n", "$p", "a"],
    ["git", "status"], ["git", "log", "--oneline", "-5"], ["git", "diff", "HEAD~1"], ["git", "show", "HEAD"], ["git", "branch"], ["git", "branch", "-a"], ["git", "--no-pager", "log"],
    ["pwd"], ["echo", "hi"], ["sort", "file"], ["uniq", "-c"],
    bash("ls && cat a | wc -l"), bash("git status; git diff"), bash("grep -r 'a && b' ."), bash("cat 'file; rm -rf /'"), bash("rg foo || echo none"),
    ["bash", "-c", "ls"], ["sh", "-c", "pwd"], bash("echo 'a|b'"), bash(`grep -n "x > y" f`),
  ];
  it.each(safe.map((a) => [a.join(" "), a]))("safe: %s", (_, argv) => expect(knownSafe(argv as string[])).toMatchObject({ safe: true }));

  const unsafe: [string[], RegExp][] = [
    [["rm", "x"], /not on the known-safe list/], [["npm", "test"], /not on the known-safe list/], [["python3", "-c", "1"], /not on the known-safe list/],
    [["find", ".", "-exec", "rm", "{}", ";"], /-exec/], [["find", ".", "-delete"], /-delete/], [["find", ".", "-execdir", "x", ";"], /-execdir/], [["find", ".", "-fprint", "out"], /-fprint/],
    [["rg", "--pre", "sh", "x"], /--pre/], [["rg", "--pre=cat", "x"], /--pre/], [["rg", "-z", "x"], /search-zip/],
    [["sed", "-i", "s/a/b/", "f"], /sed other than/], [["sed", "s/a/b/w out", "f"], /sed other than/], [["sed", "-n", "1p;w out", "f"], /sed other than/], [["sed", "-n", "e ls", "f"], /sed other than/],
    [["git", "-c", "core.pager=sh", "log"], /-c can change/], [["git", "-ccore.pager=x", "log"], /can change/], [["git", "--exec-path=/tmp", "status"], /exec-path/], [["git", "-C", "/", "status"], /-C/],
    [["git", "log", "--output=/tmp/x"], /--output/], [["git", "diff", "--ext-diff"], /--ext-diff/], [["git", "show", "--textconv"], /--textconv/],
    [["git", "commit", "-m", "x"], /not a read-only git command/], [["git", "push"], /not a read-only/], [["git", "checkout", "."], /not a read-only/], [["git", "config", "x"], /not a read-only/],
    [["git", "branch", "-D", "main"], /changes branches/], [["git", "branch", "new"], /changes branches/], [["git"], /not a read-only/],
    [["sort", "-o", "out", "in"], /sort -o/], [["/bin/ls"], /is a path/], [["./ls"], /is a path/],
    [bash("ls && rm -rf x"), /rm is not on/], [bash("cat a > b"), /operator >/], [bash("cat a >> ~/.bashrc"), /operator >>/], [bash("ls $(rm x)"), /substitution/],
    [bash("ls `rm x`"), /substitution/], [bash("ls & rm x"), /operator &/], [bash("(ls)"), /operator \(/], [bash("ls *.ts"), /glob/], [bash("cat $HOME/x"), /variable/],
    [bash("ls\nrm x"), /several lines/], [bash("echo hi # comment"), /comment/], [bash("cat <(ls)"), /substitution/], [bash("ls |& cat"), /operator \|&/], [bash(""), /empty/],
    [bash("git -c core.fsmonitor=x status"), /-c can change/], [bash("ls; sed -i s/a/b/ f"), /sed other than/], [bash("ls &&"), /empty command/],
  ];
  it.each(unsafe.map(([a, r]) => [a.join(" "), a, r] as const))("not safe: %s", (_, argv, reason) => {
    const r = knownSafe(argv);
    expect(r.safe).toBe(false);
    expect(r.reason).toMatch(reason);
  });
});

describe("dangerous commands", () => {
  const ctx = { cwd: "/work/repo/src", home: "/home/u", workspaceRoots: ["/work/repo", "/tmp"] };
  const danger: [string[], RegExp][] = [
    [["sudo", "ls"], /sudo runs commands/], [["/usr/bin/sudo", "-u", "x", "id"], /sudo/], [["su", "-"], /su runs/], [["doas", "x"], /doas/], [bash("ls && sudo rm x"), /sudo/],
    [["rm", "-rf", "/"], /outside the workspace/], [["rm", "-rf", "/home/u/project"], /outside/], [["rm", "-rf", "../../etc"], /outside/], [["rm", "-r", "~"], /outside/], [["rm", "-f", "$HOME/x"], /outside/],
    [["rm", "-rf", "/work/repo"], /outside/], [["rm", "-rf", ".."], /outside/], [bash("cd x && rm -rf /etc"), /outside/],
    [bash("echo alias ls=rm >> ~/.bashrc"), /start-up file ~\/\.bashrc/], [bash("cat x > /home/u/.zshrc"), /\.zshrc/], [bash("echo x | tee -a ~/.profile"), /tee touches/],
    [["cp", "evil", "/home/u/.bashrc"], /cp touches/], [["sed", "-i", "s/a/b/", "/home/u/.bash_profile"], /sed touches/], [["ln", "-sf", "x", "~/.config/fish/config.fish"], /ln touches/],
    [bash("echo $(id) > ~/.bashrc"), /start-up file/], [bash("x=1; echo >> /etc/profile"), /start-up file/],
  ];
  it.each(danger.map(([a, r]) => [a.join(" "), a, r] as const))("dangerous: %s", (_, argv, reason) => expect(dangerReason(argv, ctx)).toMatch(reason));
  const fine: string[][] = [["rm", "-rf", "build"], ["rm", "-rf", "/work/repo/dist"], ["rm", "-rf", "/tmp/x"], ["rm", "x"], ["rm", "/etc/passwd"], ["cat", "/home/u/.bashrc"], bash("grep x ~/.bashrc"), ["ls"], bash("npm test && rm -rf node_modules")];
  it.each(fine.map((a) => [a.join(" "), a]))("not dangerous: %s", (_, argv) => expect(dangerReason(argv as string[], ctx)).toBeNull());
});

describe("approval decisions: policy x command kind", () => {
  const kinds: Record<string, Proposal> = {
    safe: { safe: true, danger: null, escalate: false, prefixApproved: false },
    other: { safe: false, danger: null, escalate: false, prefixApproved: false },
    approvedPrefix: { safe: false, danger: null, escalate: false, prefixApproved: true },
    escalate: { safe: false, danger: null, escalate: true, prefixApproved: false },
    dangerous: { safe: false, danger: "sudo runs commands with other privileges", escalate: false, prefixApproved: true },
  };
  const G = (sandbox_approval: boolean, rules: boolean): ApprovalPolicy => ({ granular: { sandbox_approval, rules, request_permissions: true } });
  // [policy, kind, expected action, sandboxed?]
  const table: [string, ApprovalPolicy, keyof typeof kinds, "run" | "ask" | "refuse", boolean | null][] = [
    ["untrusted", "untrusted", "safe", "run", true], ["untrusted", "untrusted", "other", "ask", true], ["untrusted", "untrusted", "approvedPrefix", "run", true],
    ["untrusted", "untrusted", "escalate", "ask", false], ["untrusted", "untrusted", "dangerous", "ask", true],
    ["on-request", "on-request", "safe", "run", true], ["on-request", "on-request", "other", "run", true], ["on-request", "on-request", "escalate", "ask", false], ["on-request", "on-request", "dangerous", "ask", true],
    ["on-failure", "on-failure", "other", "run", true], ["on-failure", "on-failure", "dangerous", "ask", true],
    ["never", "never", "safe", "run", true], ["never", "never", "other", "run", true], ["never", "never", "escalate", "refuse", null], ["never", "never", "dangerous", "refuse", null],
    ["granular(sandbox_approval=false)", G(false, true), "escalate", "refuse", null], ["granular(sandbox_approval=false)", G(false, true), "other", "run", true],
    ["granular(rules=false)", G(true, false), "dangerous", "refuse", null], ["granular(all true)", G(true, true), "escalate", "ask", false], ["granular(all true)", G(true, true), "dangerous", "ask", true],
  ];
  it.each(table)("%s, %s -> %s", (_, policy, kind, action, sandboxed) => {
    const d = decide(policy, "workspace-write", kinds[kind] as Proposal);
    expect(d.action).toBe(action);
    if (sandboxed !== null && d.action !== "refuse") expect(d.sandboxed).toBe(sandboxed);
    expect(d.reason.length).toBeGreaterThan(5);
  });
  it("never sandboxes in danger-full-access, but still asks for dangerous commands", () => {
    expect(decide("on-request", "danger-full-access", kinds.other as Proposal)).toMatchObject({ action: "run", sandboxed: false });
    expect(decide("on-request", "danger-full-access", kinds.dangerous as Proposal)).toMatchObject({ action: "ask", sandboxed: false });
    expect(decide("untrusted", "danger-full-access", kinds.other as Proposal)).toMatchObject({ action: "ask", sandboxed: false });
  });
  it("keys session approvals by the first two words", () => expect(commandPrefix(["npm", "run", "test"])).toBe("npm run"));
});
