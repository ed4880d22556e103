// What a turn reports as it goes: the human renderer and `exec --json` both
// consume these.

export type AgentEvent =
  | {
      type: "session.started";
      session_id: string;
      model: string;
      provider: string;
      sandbox: string;
      approval_policy: string;
      approvals_reviewer: string;
      cwd: string;
      resumed: boolean;
    }
  | { type: "turn.started" }
  | { type: "agent_message.delta"; text: string }
  | { type: "agent_message"; text: string }
  | { type: "model.retrying"; attempt: number; delay_ms: number; reason: string }
  /** One HTTP request to the model ended (status null: no answer). */
  | { type: "model.request"; attempt: number; status: number | null; ok: boolean; duration_ms: number; error?: string }
  /** A model response completed; token counts when the server sent them. */
  | {
      type: "model.response";
      duration_ms: number;
      tool_calls: number;
      input_tokens?: number;
      output_tokens?: number;
    }
  | {
      type: "command.proposed";
      call_id: string;
      command: string[];
      workdir: string;
      sandbox: string;
      justification?: string;
    }
  | { type: "command.output"; call_id: string; chunk: string }
  /** An MCP tool call: which server and tool, the model's arguments (JSON), where the server runs. */
  | { type: "mcp.proposed"; call_id: string; server: string; tool: string; arguments: string; runs: string }
  | { type: "mcp.finished"; call_id: string; ok: boolean; output: string }
  /** An MCP server asked the user for input; what was answered (never the values) and why. */
  | {
      type: "mcp.elicitation";
      server: string;
      message: string;
      action: "accept" | "decline" | "cancel";
      reason: string;
    }
  | { type: "patch.proposed"; call_id: string; files: string[]; sandbox: string }
  | { type: "approval.requested"; call_id: string; reason: string }
  | {
      type: "approval.decided";
      call_id: string;
      decision: "auto" | "approved" | "approved_for_session" | "approved_prefix" | "denied" | "refused" | "abort";
      /** Who decided: the policy and config, an execpolicy rule, an earlier session approval, the user, or the reviewer. */
      source: DecisionSource;
      reason: string;
    }
  | { type: "review.started"; call_id: string }
  | {
      type: "review.finished";
      call_id: string;
      status: "approved" | "denied" | "timed_out" | "aborted";
      risk?: string;
      user_authorization?: string;
      reason: string;
    }
  | {
      type: "command.finished";
      call_id: string;
      exit_code: number | null;
      timed_out: boolean;
      output: string;
      denials: string[];
    }
  | { type: "patch.finished"; call_id: string; ok: boolean; message: string }
  | { type: "turn.completed" }
  | { type: "turn.aborted"; reason: string }
  | { type: "turn.failed"; error: string };

export type DecisionSource = "config" | "rule" | "session" | "user" | "auto_review";

export type ApprovalAnswer =
  | { kind: "approve" }
  /** Exactly this call (argv or files, workdir, permission level) again this session without asking. */
  | { kind: "approve_session" }
  /** Writes an allow rule for `prefix` to ~/.cordon/rules/default.rules. */
  | { kind: "approve_prefix" }
  | { kind: "deny"; feedback?: string }
  | { kind: "abort" };

export interface ApprovalRequest {
  callId: string;
  tool: "shell" | "apply_patch" | "mcp";
  /** The full argv (shell), the files a patch touches, or [server, tool, arguments as JSON] (mcp). */
  argv: string[];
  workdir: string;
  /** The permission level it will run with, in words. */
  permission: string;
  reason: string;
  justification?: string;
  /** The exact prefix an "always allow" answer would write as a rule; null when not offered. */
  prefix: string[] | null;
}
