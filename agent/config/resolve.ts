// One place where the agent's settings are decided: flags, the selected
// profile, the user's config (with -c already applied), managed values, a
// resumed session's settings and the project's trust resolve to one object.
// Pure: everything is a parameter, so the precedence table is unit-tested.
//
//   requirements constrain everything (checked after, requirements.ts)
//   managed values > flags > resumed session > untrusted project > profile > config.toml > defaults
import type { ApprovalPolicy } from "../approvals/approval-table.js";
import type { WebSearchMode } from "../model/wire-responses.js";
import type { ConfigFile, SandboxMode } from "./schema.js";

export interface SettingsFlags {
  sandbox?: SandboxMode;
  askForApproval?: ApprovalPolicy;
  profile?: string;
  model?: string;
  fullAuto?: boolean;
  yolo?: boolean;
  search?: boolean;
}

export interface ManagedValues {
  file: string | null;
  sandbox_mode?: SandboxMode;
  approval_policy?: ApprovalPolicy;
  approvals_reviewer?: "user" | "auto_review";
  web_search?: WebSearchMode;
}

export interface SettingsInputs {
  flags: SettingsFlags;
  config: ConfigFile;
  managed: ManagedValues;
  trust: "trusted" | "untrusted" | null;
  /** The settings a resumed session ran with. */
  resumed: { sandbox?: SandboxMode; approval?: ApprovalPolicy } | null;
}

export interface Settings {
  /** A sandbox mode that overrides the profile/config/default chain of resolvePolicy, when one applies. */
  sandboxOverride: SandboxMode | undefined;
  approval: ApprovalPolicy;
  approvalsReviewer: "user" | "auto_review";
  /** Undefined: the default, decided once the sandbox mode is known (cached; live under full access). */
  webSearch: WebSearchMode | undefined;
  model: string | undefined;
  modelProvider: string | undefined;
  profile: string | undefined;
  /** What the user should be told (deprecations, flags a managed value overrode). */
  warnings: string[];
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const nameOf = (p: ApprovalPolicy) => (typeof p === "string" ? p : "granular");

export function resolveSettings(i: SettingsInputs): Settings {
  const { flags, config, managed } = i;
  const warnings: string[] = [];
  let sandbox = flags.sandbox;
  let approval = flags.askForApproval;
  if (flags.fullAuto) {
    warnings.push(
      "--full-auto is deprecated: it means --sandbox workspace-write --ask-for-approval on-request (use those, or /permissions Auto)",
    );
    sandbox ??= "workspace-write";
    approval ??= "on-request";
  }
  if (flags.yolo) {
    warnings.push(
      "--dangerously-bypass-approvals-and-sandbox: no sandbox and no approvals; everything the model proposes runs as you",
    );
    sandbox = "danger-full-access";
    approval = "never";
  }
  if (managed.sandbox_mode) {
    if (sandbox && sandbox !== managed.sandbox_mode)
      warnings.push(
        `${managed.file}: sandbox_mode = "${managed.sandbox_mode}" is managed by your administrator; the requested "${sandbox}" is not used`,
      );
    sandbox = managed.sandbox_mode;
  }
  if (managed.approval_policy) {
    if (approval && !same(approval, managed.approval_policy))
      warnings.push(
        `${managed.file}: approval_policy is managed by your administrator; the requested "${nameOf(approval)}" is not used`,
      );
    approval = managed.approval_policy;
  }
  // A resumed conversation keeps the sandbox and approvals it ran with, unless flags say otherwise.
  sandbox ??= i.resumed?.sandbox;
  approval ??= i.resumed?.approval;
  // An untrusted project starts read-only and asks before anything not known-safe.
  if (i.trust === "untrusted") {
    sandbox ??= "read-only";
    approval ??= "untrusted";
  }
  const profile = flags.profile ?? config.profile;
  const prof = profile ? config.profiles[profile] : undefined;
  approval ??= (prof?.approval_policy ?? config.approval_policy ?? "on-request") as ApprovalPolicy;
  if (flags.search && managed.web_search && managed.web_search !== "live")
    warnings.push(
      `${managed.file}: web_search = "${managed.web_search}" is managed by your administrator; --search is not used`,
    );
  return {
    sandboxOverride: sandbox,
    approval,
    approvalsReviewer: managed.approvals_reviewer ?? prof?.approvals_reviewer ?? config.approvals_reviewer ?? "user",
    webSearch: managed.web_search ?? (flags.search ? "live" : undefined) ?? prof?.web_search ?? config.web_search,
    model: flags.model ?? prof?.model ?? config.model,
    modelProvider: prof?.model_provider ?? config.model_provider,
    profile,
    warnings,
  };
}
