// cordon's config.toml schema (zod). Key names follow Codex's, so a user's
// knowledge carries over. Pure: no I/O.
import { z } from "zod";

export const SandboxMode = z.enum(["read-only", "workspace-write", "danger-full-access"]);
export type SandboxMode = z.infer<typeof SandboxMode>;
export const Access = z.enum(["read", "write", "none"]);
export type Access = z.infer<typeof Access>;

const absPath = z
  .string()
  .refine((s) => s.startsWith("/") || s.startsWith("~/"), { message: "must be an absolute path (or start with ~/)" });

export const SandboxWorkspaceWrite = z.strictObject({
  writable_roots: z.array(absPath).default([]),
  network_access: z.boolean().default(false),
  exclude_tmpdir_env_var: z.boolean().default(false),
  exclude_slash_tmp: z.boolean().default(false),
  /** Workspace-relative paths kept read-only because the host acts on them (default: .devcontainer, .devcontainer.json, .vscode). */
  host_trusted_paths: z.array(z.string().min(1)).optional(),
});

/** `[permissions.NAME.filesystem]`: path or glob keys, or `:workspace_roots` with relative entries. */
const FilesystemProfile = z
  .object({
    glob_scan_max_depth: z.number().int().min(1).max(64).optional(),
    ":workspace_roots": z.record(z.string(), Access).optional(),
    ":project_roots": z.record(z.string(), Access).optional(),
  })
  .catchall(Access)
  .superRefine((fs, ctx) => {
    for (const k of Object.keys(fs)) {
      if (k === "glob_scan_max_depth" || k === ":workspace_roots" || k === ":project_roots") continue;
      if (!k.startsWith("/") && !k.startsWith("~/")) {
        ctx.addIssue({
          code: "custom",
          path: [k],
          message: `key "${k}" must be an absolute path or glob, or :workspace_roots`,
        });
      }
    }
  });

export const PermissionProfile = z.strictObject({ filesystem: FilesystemProfile.default({}) });

export const ApprovalPolicy = z.union(
  [
    z.enum(["untrusted", "on-failure", "on-request", "never"]),
    z.strictObject({
      granular: z.strictObject({
        sandbox_approval: z.boolean().default(true),
        rules: z.boolean().default(true),
        request_permissions: z.boolean().default(true),
        mcp_elicitations: z.boolean().default(true),
        skill_approval: z.boolean().default(true),
      }),
    }),
  ],
  {
    error:
      'expected one of "untrusted", "on-request", "on-failure", "never", or { granular = { sandbox_approval = bool, rules = bool, request_permissions = bool } }',
  },
);

/** `approval_policy` as the agent uses it: derived from the schema, never written twice. */
export type ApprovalPolicy = z.output<typeof ApprovalPolicy>;

/** Keys a profile may override (the same as the top level, minus profiles themselves). */
const overridable = {
  sandbox_mode: SandboxMode.optional(),
  approval_policy: ApprovalPolicy.optional(),
  sandbox_workspace_write: SandboxWorkspaceWrite.optional(),
  default_permissions: z.string().min(1).optional(),
  allow_login_shell: z.boolean().optional(),
  model: z.string().min(1).optional(),
  model_provider: z.string().min(1).optional(),
  /** The provider's hosted web search: "cached" (no live access), "live", or "disabled"; default cached, live under full access. */
  web_search: z.enum(["disabled", "cached", "live"]).optional(),
  /** Who answers approval requests: the user, or a reviewer model ([auto_review]). */
  approvals_reviewer: z.enum(["user", "auto_review"]).optional(),
};

export const Profile = z.strictObject(overridable);

export const ModelProvider = z.strictObject({
  name: z.string().optional(),
  base_url: z.url(),
  env_key: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: "must be an environment variable name" })
    .optional(),
  wire_api: z.enum(["responses", "chat"]).default("responses"),
  http_headers: z.record(z.string(), z.string()).default({}),
});

/** `[shell_environment_policy]`: what a command's environment is built from (Codex's keys). */
export const ShellEnvironmentPolicy = z.strictObject({
  inherit: z.enum(["all", "core", "none"]).default("all"),
  ignore_default_excludes: z.boolean().default(false),
  exclude: z.array(z.string().min(1)).default([]),
  include_only: z.array(z.string().min(1)).default([]),
  set: z
    .record(
      z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: "must be an environment variable name" }),
      z.string(),
    )
    .default({}),
});

export const ConfigFile = z.strictObject({
  ...overridable,
  profile: z.string().min(1).optional(),
  profiles: z.record(z.string(), Profile).default({}),
  permissions: z.record(z.string(), PermissionProfile).default({}),
  glob_scan_max_depth: z.number().int().min(1).max(64).optional(),
  model_providers: z.record(z.string(), ModelProvider).default({}),
  projects: z.record(z.string(), z.strictObject({ trust_level: z.enum(["trusted", "untrusted"]) })).default({}),
  history: z
    .strictObject({
      /** save-all: prompts go to $CORDON_HOME/history.jsonl; none: nothing is kept there. */
      persistence: z.enum(["save-all", "none"]).default("save-all"),
      /** Oldest prompts are dropped once the file grows past this. */
      max_bytes: z.number().int().min(1024).optional(),
    })
    .default({ persistence: "save-all" }),
  auto_review: z
    .strictObject({
      /** The reviewer's model and provider; the session's when absent. */
      model: z.string().min(1).optional(),
      model_provider: z.string().min(1).optional(),
      /** A review that takes longer is reported as timed out, and the action does not run. */
      timeout_ms: z.number().int().min(1000).max(600_000).default(60_000),
      /** Local policy text, added to cordon's default reviewer policy. */
      policy: z.string().min(1).optional(),
    })
    .default({ timeout_ms: 60_000 }),
  shell_environment_policy: ShellEnvironmentPolicy.default({
    inherit: "all",
    ignore_default_excludes: false,
    exclude: [],
    include_only: [],
    set: {},
  }),
  /** Extra text appended to the built-in instructions. */
  instructions: z.string().optional(),
});

export type ConfigFile = z.output<typeof ConfigFile>;
export type PermissionProfile = z.output<typeof PermissionProfile>;
