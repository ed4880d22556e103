// cordon's config.toml schema (zod). Key names follow Codex's, so a user's
// knowledge carries over. Pure: no I/O.
import * as z from "zod";
import "../../common/zod-config.js";
import { otelConfigSchema, type OtelConfig } from "../../common/otel-config.js";

export type { OtelConfig };

/**
 * Every schema of the file, built on first use (configSchemas): building zod's schemas costs
 * milliseconds, and a run with no config file, no -c and no managed config needs none of them
 * (it takes defaultConfig()).
 */
function build() {
  const SandboxMode = z.enum(["read-only", "workspace-write", "danger-full-access"]);
  const Access = z.enum(["read", "write", "none"]);

  const absPath = z
    .string()
    .refine((s) => s.startsWith("/") || s.startsWith("~/"), { message: "must be an absolute path (or start with ~/)" });

  const SandboxWorkspaceWrite = z.strictObject({
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

  const PermissionProfile = z.strictObject({ filesystem: FilesystemProfile.default({}) });

  const ApprovalPolicy = z.union(
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

  const Profile = z.strictObject(overridable);

  const ModelProvider = z.strictObject({
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
  const ShellEnvironmentPolicy = z.strictObject({
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

  const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: "must be an environment variable name" });

  const STDIO_KEYS = ["command", "args", "env", "env_vars", "cwd", "sandbox_mode", "network_access"] as const;
  const HTTP_KEYS = ["url", "bearer_token_env_var", "http_headers", "env_http_headers"] as const;

  /**
   * `[mcp_servers.NAME]`: a stdio server (`command`), started in its own sandbox
   * (read-only, no network, unless it says otherwise), or a streamable HTTP
   * server (`url`). Keys of the other transport are errors, not ignored.
   */
  const McpServer = z
    .strictObject({
      command: z.string().min(1).optional(),
      args: z.array(z.string()).default([]),
      /** Set in the server's environment; it inherits only a few basic variables otherwise. */
      env: z.record(envName, z.string()).default({}),
      /** Variables passed through from cordon's environment by name. */
      env_vars: z.array(envName).default([]),
      cwd: absPath.optional(),
      /** The server's own sandbox: read-only (default), workspace-write, or "none" (no sandbox: a warned opt-out). */
      sandbox_mode: z.enum(["read-only", "workspace-write", "none"]).default("read-only"),
      /** Network for a sandboxed server (the container's firewall still applies). */
      network_access: z.boolean().default(false),
      url: z.url({ protocol: /^https?$/, message: "must be an http:// or https:// URL" }).optional(),
      bearer_token_env_var: envName.optional(),
      http_headers: z.record(z.string(), z.string()).default({}),
      /** Header name -> environment variable holding its value. */
      env_http_headers: z.record(z.string(), envName).default({}),
      enabled: z.boolean().default(true),
      startup_timeout_ms: z.number().int().min(100).max(600_000).default(10_000),
      tool_timeout_ms: z.number().int().min(100).max(3_600_000).default(60_000),
      enabled_tools: z.array(z.string().min(1)).optional(),
      disabled_tools: z.array(z.string().min(1)).default([]),
    })
    .superRefine((s, ctx) => {
      if (!s.command === !s.url) {
        ctx.addIssue({
          code: "custom",
          path: [],
          message: "needs exactly one of command (a stdio server) or url (a streamable HTTP server)",
        });
        return;
      }
      const wrong = s.command ? HTTP_KEYS : STDIO_KEYS;
      // Only keys the user wrote: defaults are present on every parsed object.
      const given = ctx.value as Record<string, unknown>;
      for (const k of wrong) {
        const v = given[k];
        const isDefault =
          v === undefined ||
          (Array.isArray(v) && v.length === 0) ||
          (typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length === 0) ||
          (k === "sandbox_mode" && v === "read-only") ||
          (k === "network_access" && v === false);
        if (!isDefault)
          ctx.addIssue({
            code: "custom",
            path: [k],
            message: `${k} applies to ${s.command ? "streamable HTTP servers (url)" : "stdio servers (command)"}, and this one is ${s.command ? "a stdio server" : "an HTTP server"}`,
          });
      }
    });

  /** Server names become part of tool names the model sees (NAME__tool). */
  const McpServers = z.record(z.string(), McpServer).superRefine((servers, ctx) => {
    for (const name of Object.keys(servers))
      if (!/^[A-Za-z0-9_-]{1,32}$/.test(name))
        ctx.addIssue({
          code: "custom",
          path: [name],
          message: `server name ${JSON.stringify(name)}: use 1-32 letters, digits, _ or - (it becomes part of the tool names the model sees)`,
        });
  });

  const ConfigFile = z.strictObject({
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
    mcp_servers: McpServers.default({}),
    otel: otelConfigSchema().optional(),
    /** Extra text appended to the built-in instructions. */
    instructions: z.string().optional(),
  });
  return {
    SandboxMode,
    Access,
    SandboxWorkspaceWrite,
    PermissionProfile,
    ApprovalPolicy,
    Profile,
    ModelProvider,
    ShellEnvironmentPolicy,
    McpServer,
    ConfigFile,
  };
}

type Schemas = ReturnType<typeof build>;
let built: Schemas | undefined;
export const configSchemas = (): Schemas => (built ??= build());

export type SandboxMode = z.infer<Schemas["SandboxMode"]>;
export type Access = z.infer<Schemas["Access"]>;
/** `approval_policy` as the agent uses it: derived from the schema, never written twice. */
export type ApprovalPolicy = z.output<Schemas["ApprovalPolicy"]>;
export type McpServer = z.output<Schemas["McpServer"]>;
export type ConfigFile = z.output<Schemas["ConfigFile"]>;
export type PermissionProfile = z.output<Schemas["PermissionProfile"]>;
