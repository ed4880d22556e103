// Config file errors name the file, line, key and value.
import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../../../agent/config/load.js";

describe("config file errors (file, line, key, value)", () => {
  const F = "/home/u/.cordon/config.toml";
  const err = (src: string) => {
    try {
      parseConfig(src, F);
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return (e as Error).message;
    }
    throw new Error("expected an error");
  };
  it.each([
    [
      "syntax",
      'sandbox_mode = "read-only\n',
      /^\/home\/u\/\.cordon\/config\.toml: invalid configuration\n {2}- line 1, column \d+: TOML syntax error/,
    ],
    ["unknown key", "sandbox_mod = 1\n", /line 1: unknown key "sandbox_mod"/],
    [
      "bad mode",
      'sandbox_mode = "workspace"\n',
      /line 1: sandbox_mode: "workspace" Invalid option: expected one of "read-only"\|"workspace-write"\|"danger-full-access"/,
    ],
    [
      "wrong type",
      '[sandbox_workspace_write]\nnetwork_access = "yes"\n',
      /line 2: sandbox_workspace_write\.network_access: "yes" Invalid input: expected boolean/,
    ],
    [
      "unknown nested key",
      "[sandbox_workspace_write]\nnetwork = true\n",
      /line 2: unknown key "sandbox_workspace_write\.network"/,
    ],
    [
      "relative writable root",
      '[sandbox_workspace_write]\nwritable_roots = ["out"]\n',
      /line 2: sandbox_workspace_write\.writable_roots\[0\]: "out" must be an absolute path/,
    ],
    [
      "bad access value",
      '[permissions.p.filesystem]\n"/etc" = "rw"\n',
      /line 2: permissions\.p\.filesystem\.\/etc: "rw" Invalid option/,
    ],
    ["relative path key", '[permissions.p.filesystem]\n"etc" = "read"\n', /key "etc" must be an absolute path or glob/],
    ["profile missing", 'profile = "fast"\n', /profile = "fast" names no \[profiles\.fast\] table/],
    ["bad granular", "[approval_policy.granular]\nsandbox_approval = 1\n", /approval_policy/],
    ["glob depth", "glob_scan_max_depth = 0\n", /line 1: glob_scan_max_depth: 0 Too small/],
  ])("%s", (_n, src, re) => {
    const m = err(src);
    expect(m).toMatch(re);
    expect(m).toMatch(/Nothing was run/);
  });
});
