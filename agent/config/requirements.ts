// Managed requirements (/etc/cordon/requirements.toml): what an admin allows.
// Pure: the schema, and the check of resolved settings against it, with
// errors that name the requirement file and key.
import * as z from "zod";
import "../../common/zod-config.js";
import { UserError } from "../../common/user-error.js";
import { configSchemas } from "./schema.js";

function build() {
  return z.strictObject({
    allowed_sandbox_modes: z.array(configSchemas().SandboxMode).min(1).optional(),
    allowed_approval_policies: z
      .array(z.enum(["untrusted", "on-request", "on-failure", "never", "granular"]))
      .min(1)
      .optional(),
    allowed_approvals_reviewers: z
      .array(z.enum(["user", "auto_review"]))
      .min(1)
      .optional(),
    allowed_web_search_modes: z
      .array(z.enum(["disabled", "cached", "live"]))
      .min(1)
      .optional(),
    /** Replaces the organisation section of the auto-review policy; wins over [auto_review] policy. */
    guardian_policy_config: z.string().min(1).optional(),
    /** Rules files every session must load (a missing one stops start-up). */
    required_rules_files: z.array(z.string().startsWith("/")).default([]),
    /** Names always removed from commands' environments, whatever the user's shell_environment_policy. */
    shell_environment_policy: z
      .strictObject({ exclude: z.array(z.string().min(1)).default([]) })
      .default({ exclude: [] }),
  });
}
let built: ReturnType<typeof build> | undefined;
/** The schema, built on first use (see configSchemas). */
export const requirementsSchema = () => (built ??= build());
export type Requirements = z.output<ReturnType<typeof build>>;

/** What an absent requirements.toml means: requirementsSchema().parse({}), held equal by a test. */
export function defaultRequirements(): Requirements {
  return { required_rules_files: [], shell_environment_policy: { exclude: [] } };
}

export class RequirementError extends UserError {}

export interface ResolvedForCheck {
  sandboxMode?: string;
  approvalPolicy?: string;
  approvalsReviewer?: string;
  webSearch?: string;
}

/** Throws naming the requirement that a resolved setting breaks, and where the setting came from. */
export function checkRequirements(
  r: Requirements,
  file: string,
  s: ResolvedForCheck,
  where: (key: string) => string,
): void {
  const check = (key: keyof Requirements, value: string | undefined, setting: string) => {
    const allowed = r[key] as string[] | undefined;
    if (value === undefined || !allowed || allowed.includes(value)) return;
    throw new RequirementError(
      `${file}: ${key} = ${JSON.stringify(allowed)} does not allow ${setting} = "${value}" (${where(setting)}). Nothing was run. ` +
        `Choose one of ${allowed.map((a) => `"${a}"`).join(", ")}, or ask your administrator.`,
    );
  };
  check("allowed_sandbox_modes", s.sandboxMode, "sandbox_mode");
  check("allowed_approval_policies", s.approvalPolicy, "approval_policy");
  check("allowed_approvals_reviewers", s.approvalsReviewer, "approvals_reviewer");
  check("allowed_web_search_modes", s.webSearch, "web_search");
}
