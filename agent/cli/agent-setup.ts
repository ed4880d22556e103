// Everything a conversation needs, from config + flags + environment: the
// sandbox policy, the approval policy, the model provider, the session. Shared
// by `cordon` (interactive), `cordon exec` and `cordon resume`.
import { appendFileSync, existsSync, mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, resolve } from "node:path";
import { isUserError, UserError } from "../../common/user-error.js";
import { elicitationAllowed, policyName, type ApprovalPolicy } from "../approvals/approval-table.js";
import type { ElicitResult } from "@modelcontextprotocol/sdk/types.js";
import type { Elicit, ElicitationRequest } from "../mcp/connect.js";
import { configPath, cordonHome, loadConfig } from "../config/load.js";
import type { ConfigFile, SandboxMode } from "../config/schema.js";
import { DEFAULT_MODEL, providerSecrets, resolveProvider, type Provider } from "../model/providers.js";
import { credentialValues } from "../config/credential-vars.js";
import { commandEnvFromConfig } from "../sandbox/command-env.js";
import { policyFromEnvironment } from "../sandbox/from-environment.js";
import type { SandboxPolicy } from "../sandbox/policy.js";
import type { AgentEvent, ApprovalAnswer, ApprovalRequest } from "../session/events.js";
import { appendEntry, appendItem, createSession, findSession, recordPrompt, type Session } from "../session/store.js";
import { recentConversation, review } from "../review/reviewer.js";
import { reviewPolicy } from "../review/policy-text.js";
import { loadManaged } from "../config/managed.js";
import { checkRequirements } from "../config/requirements.js";
import { resolveSettings, type ManagedValues, type SettingsFlags } from "../config/resolve.js";
import type { TurnContext } from "../session/turn.js";
import { TOOLS } from "../tools/specs.js";
import type { WebSearchMode } from "../model/wire-responses.js";
import { loadRules } from "../execpolicy/load.js";
import type { Rule } from "../execpolicy/rules.js";
import { realRuntime } from "../tools/runtime.js";
import type { McpHub } from "../mcp/hub.js";
import { toolSpec } from "../mcp/tool-catalog.js";
import { firewallBlocks } from "../../firewall/egress-check.js";
import { headerSecrets, telemetrySettings, type TelemetrySettings } from "../../common/otel-settings.js";
import type { Telemetry } from "../telemetry/otel.js";
import { packageVersion } from "../version.js";

export interface AgentFlags {
  sandbox?: SandboxMode;
  askForApproval?: string;
  profile?: string;
  model?: string;
  cd?: string;
  fullAuto?: boolean;
  yolo?: boolean;
  resume?: string;
  resumeLast?: boolean;
  /** --search: live web search. */
  search?: boolean;
}

export interface AgentSetup {
  config: ConfigFile;
  home: string;
  policy: SandboxPolicy;
  approval: ApprovalPolicy;
  provider: Provider;
  model: string;
  session: Session;
  resumed: boolean;
  instructions: string;
  /** The project folder trust is recorded for, and whether the config says anything about it. */
  project: { root: string; trust: "trusted" | "untrusted" | null };
  /** execpolicy rules: managed, the user's, and a trusted project's. */
  rules: Rule[];
  /** The hosted web search offered to the model. */
  webSearch: WebSearchMode;
  /** [otel], resolved (header variables expanded); null when telemetry is off. */
  telemetry: TelemetrySettings | null;
  /** Values that must never leave in telemetry: keys, tokens, header values. */
  secrets: string[];
  /** Set when approvals_reviewer = "auto_review": who reviews, with which model. */
  reviewer: { provider: Provider; model: string; timeoutMs: number; policy: string } | null;
}

export class UsageError extends UserError {}

const APPROVALS = ["untrusted", "on-failure", "on-request", "never"] as const;

export function projectRoot(cwd: string): string {
  for (let d = cwd; ; d = dirname(d)) {
    if (existsSync(`${d}/.git`)) return d;
    if (d === "/") return cwd;
  }
}

/** Records the user's trust answer in config.toml (appending a table; the rest of the file is untouched). */
export function recordTrust(root: string, trusted: boolean, file = configPath()): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  appendFileSync(file, `\n[projects.${JSON.stringify(root)}]\ntrust_level = "${trusted ? "trusted" : "untrusted"}"\n`, {
    mode: 0o600,
  });
}

const BASE_INSTRUCTIONS = `You are cordon, a coding agent working in the user's repository.
Use the shell tool to inspect and run things (argv arrays; ["bash","-lc","..."] for shell syntax) and apply_patch to edit files.
Commands run in a sandbox: writes outside the writable roots, to .git/.agents/.cordon/.codex, and network access may be blocked.
If a command fails because of the sandbox and it is really needed, ask for exactly what it lacks: additional_permissions {"network": true} or {"writable_paths": [...]} with a one-sentence justification; only if that cannot work, with_escalated_permissions: true (no sandbox at all). The user decides.
Be brief. When done, say what you changed.`;

export function setupAgent(flags: AgentFlags, warn: (line: string) => void): AgentSetup {
  const config = loadConfig();
  const home = cordonHome();
  // A resumed conversation continues where it was held, unless --cd says otherwise.
  const resuming = Boolean(flags.resume || flags.resumeLast);
  if (resuming && config.history.persistence === "none") {
    throw new UsageError(
      `nothing to resume: history.persistence = "none" in ${configPath()} keeps no session transcripts. Set it to "save-all" to keep conversations you can resume.`,
    );
  }
  const previous = resuming ? findSession(home, flags.resume ? { id: flags.resume } : { last: true }) : null;
  const cwd = resolve(flags.cd ?? previous?.meta.cwd ?? process.cwd());
  if (!existsSync(cwd)) throw new UsageError(`--cd ${flags.cd}: no such directory`);
  const root = projectRoot(cwd);
  const trust = config.projects[root]?.trust_level ?? null;

  let askForApproval: ApprovalPolicy | undefined;
  if (flags.askForApproval) {
    if (!(APPROVALS as readonly string[]).includes(flags.askForApproval))
      throw new UsageError(`--ask-for-approval ${flags.askForApproval}: expected one of ${APPROVALS.join(", ")}`);
    askForApproval = flags.askForApproval as ApprovalPolicy;
  }
  const managed = loadManaged();
  const m = managed.config as Omit<ManagedValues, "file">;
  const settings = resolveSettings({
    flags: { ...flags, ...(askForApproval ? { askForApproval } : {}) } as SettingsFlags,
    config,
    trust,
    managed: { file: managed.configFile, ...m },
    resumed: previous ? { sandbox: previous.meta.sandbox, approval: previous.meta.approval } : null,
  });
  for (const w of settings.warnings) warn(w);
  if (typeof settings.approval === "object") {
    const g = settings.approval.granular;
    if (g.skill_approval === false)
      warn("granular.skill_approval = false has nothing to act on yet: cordon has no skills");
  }
  const approval = settings.approval;
  const policy = policyFromEnvironment(
    {
      cwd,
      ...(settings.sandboxOverride ? { sandboxMode: settings.sandboxOverride } : {}),
      ...(flags.profile ? { profile: flags.profile } : {}),
    },
    config,
  );
  const model = settings.model ?? DEFAULT_MODEL;
  const provider = resolveProvider(config, process.env, settings.modelProvider);

  const shellNote = policy.allowLoginShell
    ? ""
    : '\nLogin shells are disabled here (allow_login_shell = false): use ["bash", "-c", "..."]; a "-lc" is run as "-c".';
  const instructions = `${BASE_INSTRUCTIONS}${shellNote}${config.instructions ? `\n\n${config.instructions}` : ""}`;
  const req = managed.requirements;
  const rules = loadRules({
    cordonHome: home,
    projectRoot: root,
    projectTrusted: trust === "trusted",
    required: { files: req.required_rules_files, by: managed.requirementsFile ?? "requirements.toml" },
  });
  const reviewerName = settings.approvalsReviewer;
  // web_search's default follows the sandbox: cached, live under full access.
  let webSearch: WebSearchMode = settings.webSearch ?? (policy.mode === "danger-full-access" ? "live" : "cached");
  if (webSearch !== "disabled" && provider.wireApi === "chat") {
    if (settings.webSearch)
      warn(
        `web_search = "${webSearch}": provider "${provider.id}" speaks Chat Completions, which has no hosted web search; the model gets no search tool`,
      );
    webSearch = "disabled";
  }
  if (managed.requirementsFile) {
    const from = (k: string) =>
      (k === "sandbox_mode" && flags.sandbox) ||
      (k === "approval_policy" && flags.askForApproval) ||
      (k === "web_search" && flags.search)
        ? "asked for on the command line"
        : `from ${managed.configFile && k in m ? managed.configFile : configPath()} or the defaults`;
    checkRequirements(
      req,
      managed.requirementsFile,
      { sandboxMode: policy.mode, approvalPolicy: policyName(approval), approvalsReviewer: reviewerName, webSearch },
      from,
    );
  }
  const ar = config.auto_review;
  const reviewer =
    reviewerName === "auto_review"
      ? {
          provider: ar.model_provider ? resolveProvider(config, process.env, ar.model_provider) : provider,
          model: ar.model ?? model,
          timeoutMs: ar.timeout_ms,
          policy: reviewPolicy(ar.policy, req.guardian_policy_config),
        }
      : null;
  // A missing ${VAR} in an [otel] header stops here, before anything is started or written.
  const telemetry = config.otel ? telemetrySettings(config.otel, configPath(), process.env) : null;
  // The same credentials commands are kept from (sandbox/command-env.ts), plus what only telemetry could leak.
  const secrets = [
    provider.apiKey,
    reviewer?.provider.apiKey,
    ...providerSecrets(config, process.env).values,
    ...credentialValues(config, process.env),
    ...Object.values(config.mcp_servers).flatMap((m) => Object.values(m.env)),
    ...(telemetry ? headerSecrets(telemetry) : []),
  ].filter((v): v is string => typeof v === "string" && v.length > 0);
  // Only once everything above was accepted: a refused start leaves no session behind.
  const session: Session =
    previous ??
    createSession(
      home,
      { cwd, model, provider: provider.id, sandbox: policy.mode, approval },
      config.history.persistence !== "none",
    );
  const resumed = previous !== null;
  return {
    config,
    home: homedir(),
    policy,
    approval,
    provider,
    model,
    session,
    resumed,
    instructions,
    project: { root, trust },
    rules,
    reviewer,
    webSearch,
    telemetry,
    secrets,
  };
}

/**
 * Starts telemetry when [otel] is set (the OTel SDK is loaded only then). A
 * collector the container's firewall does not allow is named at once.
 */
export async function startTelemetryFor(setup: AgentSetup, warn: (line: string) => void): Promise<Telemetry | null> {
  if (!setup.telemetry) return null;
  const x = setup.telemetry.exporter;
  if (x.kind !== "none") {
    const { readState } = await import("../../firewall/bringup-state.js");
    const why = firewallBlocks(new URL(x.endpoint).hostname, readState(), ".devcontainer/allowlist.toml");
    if (why) warn(`telemetry collector: ${why}`);
  }
  const { startTelemetry } = await import("../telemetry/otel.js");
  return startTelemetry(setup.telemetry, {
    version: packageVersion(),
    secrets: setup.secrets,
    warn,
  });
}

/**
 * Starts the configured MCP servers (none configured: null, and the MCP code
 * is never loaded). A server that does not start is a warning, not a failure.
 */
export async function startMcp(setup: AgentSetup, warn: (line: string) => void): Promise<McpHub | null> {
  const servers = setup.config.mcp_servers;
  if (!Object.keys(servers).length) return null;
  const { McpHub } = await import("../mcp/hub.js");
  return McpHub.start(
    servers,
    { config: setup.config, session: setup.policy, cordonHome: cordonHome(), env: process.env },
    warn,
  );
}

/**
 * How a front end answers MCP elicitations: with its form when the approval
 * policy lets it ask, else declined with the reason; either way an event.
 */
export function elicitationHandler(
  ctx: TurnContext,
  emit: (e: AgentEvent) => void,
  form: ((r: ElicitationRequest) => Promise<ElicitResult>) | null,
): Elicit {
  return async (r) => {
    const gate = elicitationAllowed(ctx.approval);
    const decline = (reason: string): ElicitResult => {
      emit({ type: "mcp.elicitation", server: r.server, message: r.message, action: "decline", reason });
      return { action: "decline" };
    };
    if (!gate.allowed) return decline(gate.reason);
    if (!form) return decline("no one can answer in `cordon exec` (no terminal)");
    const answer = await form(r);
    emit({
      type: "mcp.elicitation",
      server: r.server,
      message: r.message,
      action: answer.action,
      reason: answer.action === "accept" ? "answered by the user" : `the user chose ${answer.action}`,
    });
    return answer;
  };
}

/** The context both front ends run turns in; they differ only in how events are shown and approvals answered. */
export function turnContext(
  setup: AgentSetup,
  emit: (e: AgentEvent) => void,
  ask: (r: ApprovalRequest) => Promise<ApprovalAnswer>,
  mcp: McpHub | null = null,
  telemetry: Telemetry | null = null,
): TurnContext {
  const { session } = setup;
  const env = commandEnvFromConfig(setup.config);
  return {
    provider: setup.provider,
    model: setup.model,
    instructions: setup.instructions,
    tools: mcp ? [...TOOLS, ...mcp.tools.map(toolSpec)] : TOOLS,
    ...(mcp ? { mcp } : {}),
    webSearch: setup.webSearch,
    policy: setup.policy,
    approval: setup.approval,
    home: setup.home,
    env,
    sessionApprovals: new Set(),
    rules: setup.rules,
    runtime: realRuntime(cordonHome(), env),
    log: (entry) => appendEntry(session, entry),
    ...(setup.reviewer
      ? {
          reviewer: (req, signal) =>
            review(
              setup.reviewer as NonNullable<AgentSetup["reviewer"]>,
              req,
              recentConversation(session.items),
              signal,
            ),
        }
      : {}),
    items: session.items,
    record: (item) => appendItem(session, item),
    // The transcript keeps every approval decision and who made it, beside the conversation.
    emit: (e) => {
      if (e.type === "approval.decided")
        appendEntry(session, {
          type: "approval",
          call_id: e.call_id,
          decision: e.decision,
          source: e.source,
          reason: e.reason,
        });
      telemetry?.record(e);
      emit(e);
    },
    ask,
  };
}

export function sessionStarted(setup: AgentSetup, ctx: TurnContext): AgentEvent {
  return {
    type: "session.started",
    session_id: setup.session.meta.id,
    model: setup.model,
    provider: setup.provider.id,
    sandbox: ctx.policy.mode,
    approval_policy: policyName(ctx.approval),
    approvals_reviewer: setup.reviewer ? "auto_review" : "user",
    cwd: ctx.policy.cwd,
    resumed: setup.resumed,
  };
}

/** Adds a prompt to the history file, as [history] says. */
export function rememberPrompt(setup: AgentSetup, text: string): void {
  recordPrompt(
    cordonHome(),
    setup.session.meta.id,
    text,
    setup.config.history.persistence,
    setup.config.history.max_bytes,
  );
}

/** Errors that are the user's to fix (config, flags, key, session id, rules): a message and their exit status, no stack. */
export function friendlyFailure(e: unknown): { message: string; code: number } | null {
  return isUserError(e) ? { message: e.message, code: e.exitCode } : null;
}
