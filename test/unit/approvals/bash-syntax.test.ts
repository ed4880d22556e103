// The bash parser's view of a script: every simple command, and why it is not plain.
import { describe, expect, it } from "vitest";
import { dangerReason } from "../../../agent/approvals/dangerous.js";
import { bash, facts, useBashParser } from "../../support/approvals.js";

useBashParser();

describe("the bash parser's view of a script", () => {
  it.each([
    ["ls && cat a | wc -l", [["ls"], ["cat", "a"], ["wc", "-l"]], null],
    ["FOO=1 rm -rf /", [["rm", "-rf", "/"]], /sets environment variables/],
    ["if true; then sudo id; fi", [["true"], ["sudo", "id"]], /if statement/],
    ["for f in a b; do rm -rf /$f; done", [["rm", "-rf", "/$f"]], /loop/],
    [
      "echo $(sudo id) <(curl x)",
      [
        ["sudo", "id"],
        ["curl", "x"],
        ["echo", "$(sudo id)", "<(curl x)"],
      ],
      /substitution/,
    ],
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
    expect(facts(bash("{ echo x; } >> ~/.bashrc; if true; then cat a > /etc/profile; fi")).redirectTargets).toEqual([
      "~/.bashrc",
      "/etc/profile",
    ]);
  });
});
