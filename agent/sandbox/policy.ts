// What the sandbox allows, resolved from config + CLI flags into plain data.
// Pure: every input is a parameter (no fs, no env reads), so the precedence
// rules (CLI > selected profile > file > defaults) are unit-tested directly.
import { isAbsolute, normalize, resolve } from "node:path";
import { UserError } from "../../common/user-error.js";
import type { ConfigFile, SandboxMode } from "../config/schema.js";
import { expandHome } from "../../common/paths.js";

export interface SandboxPolicy {
  mode: SandboxMode;
  cwd: string;
  /** Writable roots, absolute, deduplicated, shallowest first. */
  writableRoots: string[];
  /** Paths made read-only inside writable roots ("read" entries). */
  readOnlyPaths: string[];
  /** Paths and globs nobody in the sandbox may read ("none" entries), absolute. */
  denyRead: string[];
  network: boolean;
  globScanMaxDepth: number;
  allowLoginShell: boolean;
  /** Which permission profile applied, if any. */
  permissionsProfile: string | null;
  /** Which [profiles.NAME] applied, if any. */
  profile: string | null;
  /** Names read-only (and not creatable) at the top of every writable root. */
  protectedNames: string[];
  /** Workspace paths the host or the next container start acts on: read-only, not creatable. */
  hostTrustedPaths: string[];
  /** cordon's own state ($CORDON_HOME): neither readable nor writable in the sandbox. */
  privatePaths: string[];
}

export interface PolicyInputs {
  config: ConfigFile;
  cwd: string;
  home: string;
  tmpdirEnv: string | undefined;
  /** $CORDON_HOME, hidden from every sandboxed command. */
  cordonHome: string;
  /** Whether cwd is inside a version-controlled folder (decides the default mode). */
  inGitRepo: boolean;
  /** Overrides the git-based default (e.g. danger-full-access where the container is the boundary). */
  defaultMode?: SandboxMode;
  cli: { sandboxMode?: SandboxMode; permissionsProfile?: string; profile?: string; network?: boolean };
}

export class PolicyError extends UserError {}

export const PROTECTED_NAMES = [".git", ".agents", ".cordon", ".codex"] as const;
/**
 * Files in the workspace that VS Code or the next `devcontainer up` acts on:
 * an alternative devcontainer config (offered in the picker, may ask for
 * privileged mode or a mount of the host's /), tasks that run on folder open,
 * terminal profiles. Configurable with sandbox_workspace_write.host_trusted_paths.
 */
export const DEFAULT_HOST_TRUSTED_PATHS = [".devcontainer", ".devcontainer.json", ".vscode"] as const;
export const DEFAULT_GLOB_SCAN_MAX_DEPTH = 8;

/** Built-in permission profiles select a mode directly. */
const BUILTIN: Record<string, SandboxMode> = {
  ":read-only": "read-only",
  ":workspace": "workspace-write",
  ":danger-full-access": "danger-full-access",
};

const depth = (p: string) => p.split("/").filter(Boolean).length;

export function resolvePolicy(i: PolicyInputs): SandboxPolicy {
  const { config: cfg, cli } = i;
  const profileName = cli.profile ?? cfg.profile ?? null;
  if (profileName !== null && !cfg.profiles[profileName]) {
    const known = Object.keys(cfg.profiles);
    throw new PolicyError(
      `no profile named "${profileName}" (defined: ${known.length ? known.join(", ") : "none"}); add [profiles.${profileName}] to config.toml`,
    );
  }
  const profileTable = profileName ? cfg.profiles[profileName] : undefined;
  const permName = cli.permissionsProfile ?? profileTable?.default_permissions ?? cfg.default_permissions ?? null;
  const builtinMode = permName ? BUILTIN[permName] : undefined;
  if (permName && !builtinMode && !cfg.permissions[permName]) {
    const known = [...Object.keys(BUILTIN), ...Object.keys(cfg.permissions)];
    throw new PolicyError(
      `no permission profile named "${permName}" (known: ${known.join(", ")}); add [permissions.${permName}.filesystem] to config.toml`,
    );
  }
  const perm = permName && !builtinMode ? cfg.permissions[permName] : undefined;
  // A named profile that grants writes ("." = "write") asks for workspace-write, in a git repository or not.
  const profileWrites =
    perm !== undefined &&
    Object.values(perm.filesystem as Record<string, unknown>).some(
      (v) => v === "write" || (typeof v === "object" && v !== null && Object.values(v).includes("write")),
    );
  const mode: SandboxMode =
    cli.sandboxMode ??
    builtinMode ??
    profileTable?.sandbox_mode ??
    cfg.sandbox_mode ??
    (profileWrites ? "workspace-write" : undefined) ??
    i.defaultMode ??
    (i.inGitRepo ? "workspace-write" : "read-only");
  const workspaceWrite = profileTable?.sandbox_workspace_write ??
    cfg.sandbox_workspace_write ?? {
      writable_roots: [],
      network_access: false,
      exclude_tmpdir_env_var: false,
      exclude_slash_tmp: false,
      host_trusted_paths: undefined,
    };
  const cwd = normalize(i.cwd);

  const writable: string[] = [];
  const readOnly: string[] = [];
  const deny: string[] = [];
  if (mode === "workspace-write") {
    writable.push(cwd);
    if (!workspaceWrite.exclude_tmpdir_env_var && i.tmpdirEnv && isAbsolute(i.tmpdirEnv))
      writable.push(normalize(i.tmpdirEnv));
    if (!workspaceWrite.exclude_slash_tmp) writable.push("/tmp");
    for (const r of workspaceWrite.writable_roots) writable.push(normalize(expandHome(r, i.home)));
  }

  let globDepth = cfg.glob_scan_max_depth ?? DEFAULT_GLOB_SCAN_MAX_DEPTH;
  if (perm) {
    const filesystem = perm.filesystem as Record<string, unknown>;
    if (typeof filesystem.glob_scan_max_depth === "number") globDepth = filesystem.glob_scan_max_depth;
    const apply = (path: string, access: string) => {
      if (access === "none") deny.push(path);
      else if (access === "read") readOnly.push(path);
      else if (access === "write" && mode === "workspace-write") writable.push(path);
    };
    for (const key of [":workspace_roots", ":project_roots"]) {
      const entries = filesystem[key] as Record<string, string> | undefined;
      for (const [rel, access] of Object.entries(entries ?? {})) {
        if (isAbsolute(rel))
          throw new PolicyError(
            `[permissions.${permName}.filesystem] "${key}" entry "${rel}" must be relative to the workspace`,
          );
        apply(rel === "." ? cwd : resolve(cwd, rel), access);
      }
    }
    for (const [k, access] of Object.entries(filesystem)) {
      if (k === "glob_scan_max_depth" || k.startsWith(":")) continue;
      apply(normalize(expandHome(k, i.home)), access as string);
    }
  }
  for (const d of deny) {
    if (/[*?[{]/.test(d) && /^\/[*?[{]/.test(d))
      throw new PolicyError(
        `deny-read glob "${d}" is rooted at /; scanning the whole filesystem is refused. Anchor it under a directory.`,
      );
  }

  const uniq = (xs: string[]) => [...new Set(xs)];
  const home = normalize(i.cordonHome);
  if (cwd === home || cwd.startsWith(`${home}/`))
    throw new PolicyError(
      `the workspace ${cwd} is inside cordon's home ${home}, which sandboxed commands may never see; work in another folder or set CORDON_HOME elsewhere`,
    );
  return {
    mode,
    cwd,
    writableRoots: uniq(writable).sort((a, b) => depth(a) - depth(b) || a.localeCompare(b)),
    readOnlyPaths: uniq(readOnly),
    denyRead: uniq(deny),
    network:
      mode === "danger-full-access"
        ? true
        : (cli.network ?? (mode === "workspace-write" ? workspaceWrite.network_access : false)),
    globScanMaxDepth: globDepth,
    allowLoginShell: profileTable?.allow_login_shell ?? cfg.allow_login_shell ?? true,
    permissionsProfile: permName,
    profile: profileName,
    protectedNames: [...PROTECTED_NAMES],
    hostTrustedPaths: (workspaceWrite.host_trusted_paths ?? [...DEFAULT_HOST_TRUSTED_PATHS]).map((rel) => {
      if (isAbsolute(rel) || normalize(rel).startsWith(".."))
        throw new PolicyError(
          `sandbox_workspace_write.host_trusted_paths entry "${rel}" must be relative to the workspace and inside it`,
        );
      return resolve(cwd, rel);
    }),
    privatePaths: [normalize(i.cordonHome)],
  };
}
