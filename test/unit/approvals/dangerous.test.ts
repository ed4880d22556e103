// Dangerous commands, seen everywhere in a script.
import { describe, expect, it } from "vitest";
import { dangerReason } from "../../../agent/approvals/dangerous.js";
import { shellScript } from "../../../agent/approvals/shell-parse.js";
import { bash, facts, useBashParser } from "../../support/approvals.js";

useBashParser();

describe("dangerous commands", () => {
  const ctx = { cwd: "/work/repo/src", home: "/home/u", workspaceRoots: ["/work/repo", "/tmp"] };
  const danger: [string[], RegExp][] = [
    // codex: is_dangerous_command (rm -rf, sudo) - seen everywhere in the script
    [["sudo", "ls"], /sudo runs commands/],
    [["/usr/bin/sudo", "-u", "x", "id"], /sudo/],
    [["su", "-"], /su runs/],
    [["doas", "x"], /doas/],
    [bash("ls && sudo rm x"), /sudo/],
    [["rm", "-rf", "/"], /outside the workspace/],
    [["rm", "-rf", "/home/u/project"], /outside/],
    [["rm", "-rf", "../../etc"], /outside/],
    [["rm", "-r", "~"], /outside/],
    [["rm", "-f", "$HOME/x"], /outside/],
    [["rm", "-rf", "/work/repo"], /outside/],
    [["rm", "-rf", ".."], /outside/],
    [bash("cd x && rm -rf /etc"), /outside/],
    [bash("echo alias ls=rm >> ~/.bashrc"), /start-up file ~\/\.bashrc/],
    [bash("cat x > /home/u/.zshrc"), /\.zshrc/],
    [bash("echo x | tee -a ~/.profile"), /tee touches/],
    [["cp", "evil", "/home/u/.bashrc"], /cp touches/],
    [["sed", "-i", "s/a/b/", "/home/u/.bash_profile"], /sed touches/],
    [["ln", "-sf", "x", "~/.config/fish/config.fish"], /ln touches/],
    [bash("echo $(id) > ~/.bashrc"), /start-up file/],
    [bash("x=1; echo >> /etc/profile"), /start-up file/],
    // hidden in compound scripts and substitutions
    [bash("echo $(sudo id)"), /sudo/],
    [bash("if true; then rm -rf /; fi"), /outside/],
    [bash("for i in 1; do sudo x; done"), /sudo/],
    [bash("FOO=1 sudo -E x"), /sudo/],
    [bash("cat <(sudo cat /etc/shadow)"), /sudo/],
    [bash("(cd / && rm -rf etc)"), /outside/],
    [bash("f() { sudo id; }"), /sudo/],
  ];
  it.each(danger.map(([a, r]) => [a.join(" "), a, r] as const))("dangerous: %s", (_, argv, reason) =>
    expect(dangerReason(facts(argv), shellScript(argv), ctx)).toMatch(reason),
  );
  const fine: string[][] = [
    ["rm", "-rf", "build"],
    ["rm", "-rf", "/work/repo/dist"],
    ["rm", "-rf", "/tmp/x"],
    ["rm", "x"],
    ["rm", "/etc/passwd"],
    ["cat", "/home/u/.bashrc"],
    bash("grep x ~/.bashrc"),
    ["ls"],
    bash("npm test && rm -rf node_modules"),
    bash("echo sudo"),
  ];
  it.each(fine.map((a) => [a.join(" "), a]))("not dangerous: %s", (_, argv) =>
    expect(dangerReason(facts(argv as string[]), shellScript(argv as string[]), ctx)).toBeNull(),
  );
});
