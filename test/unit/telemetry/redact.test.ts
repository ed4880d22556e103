import { describe, expect, it } from "vitest";
import { makeRedactor, snippet } from "../../../agent/telemetry/redact.js";

describe("redaction", () => {
  const r = makeRedactor(["my-very-secret-value", "short", undefined, "tok-123456"]);
  it.each([
    ["the key is my-very-secret-value!", "the key is [REDACTED]!"],
    ["twice: tok-123456 tok-123456", "twice: [REDACTED] [REDACTED]"],
    ["a short word stays", "a short word stays"],
    ["Authorization: Bearer abcdefghijklmnop", "Authorization: Bearer [REDACTED]"],
    ["OPENAI sk-proj-abcdefghijklmnop1234", "OPENAI [REDACTED]"],
    ["gh token ghp_abcdefghijklmnopqrstuvwx", "gh token [REDACTED]"],
    ["aws AKIAABCDEFGHIJKLMNOP", "aws [REDACTED]"],
    ["curl -d password=hunter22 and api_key: abcd1234", "curl -d password=[REDACTED] and api_key: [REDACTED]"],
    ['{"token":"abcdef","n":1}', '{"token":"[REDACTED]","n":1}'],
    ['token = "abcdef"', 'token = "[REDACTED]"'],
    ["nothing here", "nothing here"],
  ])("%j -> %j", (text, want) => expect(r(text)).toBe(want));

  it("cuts long text and says how much", () => {
    expect(snippet("abcdef", 4)).toBe("abcd… (2 more characters)");
    expect(snippet("abc", 4)).toBe("abc");
  });
});
