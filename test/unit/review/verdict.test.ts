// Auto-review's pure half: the answer's form, and risk x authorization x outcome -> decision.
import { describe, expect, it } from "vitest";
import { decideFromVerdict, parseVerdict, reviewInput, type Verdict } from "../../../agent/review/verdict.js";
import { DEFAULT_REVIEW_POLICY, reviewPolicy } from "../../../agent/review/policy-text.js";

const v = (
  risk: Verdict["risk"],
  user_authorization: Verdict["user_authorization"],
  outcome: Verdict["outcome"],
): Verdict => ({ risk, user_authorization, outcome, rationale: "because" });

describe("the decision table", () => {
  it.each([
    ["low", "none", "allow", "approved"],
    ["medium", "implicit", "allow", "approved"],
    ["low", "explicit", "deny", "denied"],
    ["medium", "none", "deny", "denied"],
    ["high", "explicit", "allow", "approved"],
    ["high", "implicit", "allow", "denied"],
    ["high", "none", "allow", "denied"],
    ["high", "explicit", "deny", "denied"],
    ["critical", "explicit", "allow", "denied"],
    ["critical", "none", "deny", "denied"],
  ] as const)("risk %s, authorization %s, outcome %s -> %s", (risk, auth, outcome, status) => {
    const r = decideFromVerdict(v(risk, auth, outcome));
    expect(r.status).toBe(status);
    expect(r.reason).toContain(`risk ${risk}, user authorization ${auth}`);
  });
});

describe("reading the reviewer's answer (anything unreadable denies)", () => {
  it("takes the JSON object, also inside prose or a code fence", () => {
    expect(
      parseVerdict(
        'Sure.\n```json\n{"risk":"low","user_authorization":"explicit","outcome":"allow","rationale":"asked for"}\n```',
      ),
    ).toEqual({ verdict: { risk: "low", user_authorization: "explicit", outcome: "allow", rationale: "asked for" } });
  });
  it.each([
    ["no JSON at all", /did not answer with a JSON object/],
    ['{"risk": "low", "outcome": "allow"', /did not answer with a JSON object/],
    ['{"risk": low}', /not valid JSON/],
    ['{"risk":"extreme","user_authorization":"none","outcome":"allow","rationale":"x"}', /risk: Invalid option/],
    ['{"risk":"low","user_authorization":"none","outcome":"allow"}', /rationale/],
    ['{"risk":"low","user_authorization":"none","outcome":"allow","rationale":"x","extra":1}', /Unrecognized key/],
  ])("%s", (text, re) => {
    const r = parseVerdict(text);
    expect("error" in r && r.error).toMatch(re);
  });
});

describe("what the reviewer is given", () => {
  it("the action, its justification and the conversation, as data", () => {
    const text = reviewInput(
      {
        tool: "shell",
        argv: ["curl", "x"],
        workdir: "/w",
        permission: "no sandbox (full access)",
        reason: "the model asks to run this outside the sandbox",
        justification: "fetch docs",
      },
      "user: get the docs",
    );
    expect(text).toContain("user: get the docs");
    expect(text).toContain('"command": [\n    "curl",\n    "x"\n  ]');
    expect(text).toContain('"agent_justification": "fetch docs"');
  });
  it("the default policy, with the organisation's section (managed wins over local)", () => {
    expect(reviewPolicy(undefined, undefined)).toBe(DEFAULT_REVIEW_POLICY);
    expect(reviewPolicy("local rule", undefined)).toContain("local rule");
    expect(reviewPolicy("local rule", "managed rule")).toContain("managed rule");
    expect(reviewPolicy("local rule", "managed rule")).not.toContain("local rule");
    for (const topic of [
      "data exfiltration",
      "credential probing",
      "persistent security weakening",
      "destructive actions",
    ])
      expect(DEFAULT_REVIEW_POLICY).toContain(topic);
  });
});
