// `-c key=value` overrides and configuration errors: values read as TOML,
// dotted and quoted keys, errors that name the flag or the file line, and
// keys the error locator must not choke on.
import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../../../agent/config/load.js";

const F = "/h/.cordon/config.toml";
const cfg = (src: string, flags: string[] = []) => parseConfig(src, F, flags);
const err = (src: string, flags: string[] = []) => {
  try {
    cfg(src, flags);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).exitCode).toBe(2);
    return (e as Error).message;
  }
  throw new Error("expected a ConfigError");
};

describe("-c overrides", () => {
  it.each([
    [
      ["sandbox_workspace_write.network_access=true"],
      (c: ReturnType<typeof cfg>) => c.sandbox_workspace_write?.network_access,
      true,
    ],
    [
      ["approval_policy={granular={sandbox_approval=true}}"],
      (c: ReturnType<typeof cfg>) => c.approval_policy,
      {
        granular: {
          sandbox_approval: true,
          rules: true,
          request_permissions: true,
          mcp_elicitations: true,
          skill_approval: true,
        },
      },
    ],
    [["model=gpt-5-codex"], (c: ReturnType<typeof cfg>) => c.model, "gpt-5-codex"],
    [['model="quoted"'], (c: ReturnType<typeof cfg>) => c.model, "quoted"],
    [["glob_scan_max_depth=3"], (c: ReturnType<typeof cfg>) => c.glob_scan_max_depth, 3],
    [
      ['permissions.p.filesystem."/ws/*.env"=none'],
      (c: ReturnType<typeof cfg>) => c.permissions.p?.filesystem,
      { "/ws/*.env": "none" },
    ],
    [
      ["sandbox_mode=read-only", "sandbox_mode=workspace-write"],
      (c: ReturnType<typeof cfg>) => c.sandbox_mode,
      "workspace-write",
    ],
  ] as const)("%j", (flags, get, want) =>
    expect(get(cfg('sandbox_mode = "danger-full-access"\n', [...flags]))).toEqual(want),
  );

  it("wins over the file, which it leaves as it is otherwise", () => {
    const c = cfg('model = "from-file"\nsandbox_mode = "read-only"\n', ["model=from-flag"]);
    expect([c.model, c.sandbox_mode]).toEqual(["from-flag", "read-only"]);
  });

  it.each([
    [
      ["sandbox_mode=yolo"],
      /^\/h\/\.cordon\/config\.toml \(with -c overrides\): invalid configuration\n {2}- -c sandbox_mode=yolo: sandbox_mode: "yolo" Invalid option: expected one of "read-only"\|"workspace-write"\|"danger-full-access"/,
    ],
    [
      ["approval_policy={granular={rulez=true}}"],
      /- -c approval_policy=\{granular=\{rulez=true\}\}: unknown key "approval_policy\.granular\.rulez"/,
    ],
    [["nokey"], /-c nokey: expected key=value/],
    [["model.name=x"], /-c model\.name=x: model is a value, not a table/],
    [["colour=red"], /- -c colour=red: unknown key "colour"/],
  ])("%j -> an error naming the flag", (flags, re) => expect(err('model = "m"\n', flags)).toMatch(re));
});

describe("configuration errors", () => {
  it("locates a key that looks like a regular expression without crashing", () => {
    expect(err('[permissions.p.filesystem]\n"**/*.env" = "nope"\n')).toMatch(
      /line 2: permissions\.p\.filesystem\.\*\*\/\*\.env: "nope" Invalid option: expected one of "read"\|"write"\|"none"/,
    );
    expect(err('[permissions."a(b".filesystem]\n"/x[" = "bad"\n')).toMatch(/"bad" Invalid option/);
  });
  it("lists what approval_policy accepts", () => {
    expect(err('approval_policy = "sometimes"\n')).toMatch(
      /line 1: approval_policy: "sometimes" expected one of "untrusted", "on-request", "on-failure", "never", or \{ granular = /,
    );
  });
});
