// The settings resolver's precedence, as a table:
// managed > flags > resumed session > untrusted project > profile > config.toml > defaults.
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../agent/config/load.js";
import { resolveSettings, type SettingsInputs } from "../../../agent/config/resolve.js";

const config = parseConfig(
  'approval_policy = "untrusted"\napprovals_reviewer = "user"\nweb_search = "cached"\nmodel = "file-model"\n[profiles.p]\napproval_policy = "on-failure"\napprovals_reviewer = "auto_review"\nweb_search = "disabled"\nmodel = "profile-model"\n',
  "/c.toml",
  [],
  {},
);
const base: SettingsInputs = {
  flags: {},
  config,
  managed: { file: "/etc/cordon/managed_config.toml" },
  trust: "trusted",
  resumed: null,
};
const r = (over: Partial<SettingsInputs>) => resolveSettings({ ...base, ...over });

describe("settings precedence", () => {
  it.each([
    [
      "defaults and the file",
      {},
      {
        sandboxOverride: undefined,
        approval: "untrusted",
        approvalsReviewer: "user",
        webSearch: "cached",
        model: "file-model",
      },
    ],
    [
      "the profile over the file",
      { flags: { profile: "p" } },
      { approval: "on-failure", approvalsReviewer: "auto_review", webSearch: "disabled", model: "profile-model" },
    ],
    [
      "flags over the profile",
      {
        flags: {
          profile: "p",
          askForApproval: "never" as const,
          sandbox: "read-only" as const,
          search: true,
          model: "flag-model",
        },
      },
      { sandboxOverride: "read-only", approval: "never", webSearch: "live", model: "flag-model" },
    ],
    [
      "an untrusted project below flags",
      { trust: "untrusted" as const },
      { sandboxOverride: "read-only", approval: "untrusted" },
    ],
    [
      "an untrusted project: flags still win",
      { trust: "untrusted" as const, flags: { sandbox: "workspace-write" as const } },
      { sandboxOverride: "workspace-write", approval: "untrusted" },
    ],
    [
      "a resumed session over trust and the file",
      {
        trust: "untrusted" as const,
        resumed: { sandbox: "workspace-write" as const, approval: "on-request" as const },
      },
      { sandboxOverride: "workspace-write", approval: "on-request" },
    ],
    [
      "flags over a resumed session",
      {
        resumed: { sandbox: "read-only" as const, approval: "never" as const },
        flags: { sandbox: "workspace-write" as const },
      },
      { sandboxOverride: "workspace-write", approval: "never" },
    ],
    ["--full-auto", { flags: { fullAuto: true } }, { sandboxOverride: "workspace-write", approval: "on-request" }],
    [
      "--yolo over other flags",
      { flags: { yolo: true, sandbox: "read-only" as const } },
      { sandboxOverride: "danger-full-access", approval: "never" },
    ],
    [
      "managed over everything",
      {
        flags: { yolo: true, search: true, profile: "p" },
        managed: {
          file: "/m.toml",
          sandbox_mode: "workspace-write" as const,
          approval_policy: "on-request" as const,
          approvals_reviewer: "user" as const,
          web_search: "disabled" as const,
        },
      },
      { sandboxOverride: "workspace-write", approval: "on-request", approvalsReviewer: "user", webSearch: "disabled" },
    ],
  ] as [string, Partial<SettingsInputs>, Record<string, unknown>][])("%s", (_n, over, want) => {
    expect(r(over)).toMatchObject(want);
  });

  it("warns when a managed value overrides a flag, and for deprecated flags", () => {
    expect(r({ flags: { yolo: true }, managed: { file: "/m.toml", sandbox_mode: "read-only" } }).warnings).toEqual([
      "--dangerously-bypass-approvals-and-sandbox: no sandbox and no approvals; everything the model proposes runs as you",
      '/m.toml: sandbox_mode = "read-only" is managed by your administrator; the requested "danger-full-access" is not used',
    ]);
    expect(r({ flags: { fullAuto: true } }).warnings[0]).toMatch(/--full-auto is deprecated/);
    expect(r({}).warnings).toEqual([]);
  });
});
