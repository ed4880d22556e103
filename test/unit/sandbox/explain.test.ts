// Sandbox denials explained from a failed command's stderr.
import { describe, expect, it } from "vitest";
import { explainDenials } from "../../../agent/sandbox/explain.js";
import { resolvePolicy } from "../../../agent/sandbox/policy.js";
import { facts, inputs } from "../../support/sandbox-fixtures.js";

describe("denial explanations", () => {
  const p = resolvePolicy(inputs());
  it.each([
    ["touch: cannot touch '/etc/passwd': Read-only file system", "read-only root", "/etc/passwd"],
    ["touch: cannot touch '.git/config': Read-only file system", "protected metadata", "/ws/.git/config"],
    ["mkdir: cannot create directory '/ws/.agents/x': Read-only file system", "protected metadata", "/ws/.agents/x"],
    ["ls: cannot open directory '/ws/secrets': Permission denied", "deny-read profile", "/ws/secrets"],
    ["curl: (6) Could not resolve host: example.test", "no network", undefined],
    ["curl: (7) Failed to connect to 127.0.0.1 port 9 after 0 ms: Couldn't connect to server", "no network", undefined],
    [
      '  File "/usr/lib/python3.11/socket.py", line 836, in create_connection\n    sock = socket(af, socktype, proto)\nPermissionError: [Errno 1] Operation not permitted',
      "no network",
      undefined,
    ],
  ])("%s -> %s", (stderr, rule, path) => {
    const d = explainDenials(stderr, p, facts);
    expect(d[0]?.rule).toBe(rule);
    expect(d[0]?.path).toBe(path);
  });
  it("says nothing when nothing was denied", () => {
    expect(explainDenials("error: expected ';'", p, facts)).toEqual([]);
  });
});
