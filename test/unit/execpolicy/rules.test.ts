// execpolicy .rules files: parsing (with errors naming file and line),
// examples checked at load, matching with alternatives, strictest wins.
import { describe, expect, it } from "vitest";
import { allowPrefixRule, evaluate, parseRules, RulesError } from "../../../agent/execpolicy/rules.js";

const FILE = "/home/u/.cordon/rules/default.rules";

describe("reading rules files", () => {
  it("reads prefix_rule calls with alternatives, defaults and comments", () => {
    const src = `# remote operations ask\nprefix_rule(\n    pattern = ["git", ["push", "fetch"]],\n    decision = "prompt",\n    justification = 'talks to the remote',\n    match = [["git", "push"], "git fetch origin"],\n    not_match = ["git status", ["git"]],\n)\nprefix_rule(pattern=["ls"])\n`;
    expect(parseRules(src, FILE)).toEqual([
      {
        file: FILE,
        line: 2,
        pattern: [["git"], ["push", "fetch"]],
        decision: "prompt",
        justification: "talks to the remote",
      },
      { file: FILE, line: 9, pattern: [["ls"]], decision: "allow", justification: null },
    ]);
  });
  it.each([
    [
      'prefix_rule(pattern=["git", "push"], match=["git pull"])',
      /:1: the match example "git pull" does not match pattern \["git", "push"\]/,
    ],
    [
      'prefix_rule(\n  pattern=["git"],\n  not_match=["git status"],\n)',
      /:3: the not_match example "git status" matches pattern \["git"\]/,
    ],
    ['prefix_rule(pattern=["x"], decision="maybe")', /:1: decision must be one of allow, prompt, forbidden/],
    ['prefix_rule(pattern=["x"], colour="red")', /:1: unknown argument colour=/],
    ['prefix_rule(decision="allow")', /:1: prefix_rule needs pattern=/],
    ["prefix_rule(pattern=[])", /:1: pattern must be a non-empty list/],
    ['\n\nhost_rule(pattern=["x"])', /:3: unknown function host_rule\(\)/],
    ['prefix_rule(pattern=["x"]', /expected/],
    ['prefix_rule(pattern=["x)', /:1: a string is not closed/],
    ['prefix_rule(pattern=["x"], pattern=["y"])', /pattern= given twice/],
    ['prefix_rule(pattern=[["a", ["b"]]])', /must hold strings/],
  ])("%s -> error", (src, re) => {
    expect(() => parseRules(src, FILE)).toThrow(RulesError);
    expect(() => parseRules(src, FILE)).toThrow(re);
    expect(() => parseRules(src, FILE)).toThrow(new RegExp(`^${FILE.replace(/[./]/g, "\\$&")}:`));
  });
  it("writes an allow rule that reads back as the same prefix", () => {
    const line = allowPrefixRule(["npm", "run", 'it"s']);
    expect(parseRules(line, FILE)).toEqual([
      { file: FILE, line: 1, pattern: [["npm"], ["run"], ['it"s']], decision: "allow", justification: null },
    ]);
  });
});

describe("judging commands", () => {
  const rules = parseRules(
    'prefix_rule(pattern=["git", ["push", "fetch"]], decision="prompt", justification="remote")\nprefix_rule(pattern=["git"], decision="allow")\nprefix_rule(pattern=["rm", "-rf"], decision="forbidden", justification="no")\n',
    FILE,
  );
  it.each([
    [[["git", "status"]], "allow"],
    [[["git", "push", "origin"]], "prompt"],
    [[["git", "fetch"]], "prompt"],
    [[["rm", "-rf", "x"]], "forbidden"],
    [[["rm", "-r", "x"]], null],
    [[["ls"]], null],
    [
      [
        ["git", "status"],
        ["rm", "-rf", "/"],
      ],
      "forbidden",
    ],
    [
      [
        ["git", "log"],
        ["git", "push"],
      ],
      "prompt",
    ],
  ] as const)("%j -> %s (the strictest matching rule)", (commands, want) => {
    expect(evaluate(rules, commands as unknown as string[][]).decision).toBe(want);
  });
  it("reports every matching rule with the command it matched", () => {
    const ev = evaluate(rules, [["git", "push"]]);
    expect(ev.matched.map((m) => [m.line, m.decision, m.command])).toEqual([
      [1, "prompt", ["git", "push"]],
      [2, "allow", ["git", "push"]],
    ]);
    expect(ev.justification).toBe("remote");
  });
});
