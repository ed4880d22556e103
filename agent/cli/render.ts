// Turns agent events into lines for people. Used by interactive mode (all on
// stdout) and by `cordon exec` without --json (progress on stderr, the final
// message on stdout).
import type { AgentEvent } from "../session/events.js";
import { showArgv, visible } from "./visible.js";

const tty = (s: NodeJS.WriteStream) => Boolean(s.isTTY) && !process.env.NO_COLOR;
const paint = (on: boolean, code: string, s: string) => (on ? `\x1b[${code}m${s}\x1b[0m` : s);

export interface Renderer {
  (e: AgentEvent): void;
}

function lastLines(text: string, n: number): string {
  const lines = text.trimEnd().split("\n");
  return (lines.length > n ? [`… (${lines.length - n} more lines)`, ...lines.slice(-n)] : lines)
    .map((l) => `    ${visible(l)}`)
    .join("\n");
}

export function humanRenderer(progress: NodeJS.WriteStream, streamText: boolean): Renderer {
  const c = tty(progress);
  let midLine = false;
  const line = (s: string) => {
    if (midLine) progress.write("\n");
    midLine = false;
    progress.write(`${s}\n`);
  };
  return (e) => {
    switch (e.type) {
      case "session.started":
        line(
          paint(
            c,
            "2",
            `session ${e.session_id}${e.resumed ? " (resumed)" : ""} · model ${e.model} via ${e.provider} · sandbox ${e.sandbox} · approvals ${e.approval_policy}${e.approvals_reviewer === "auto_review" ? " (auto-review)" : ""} · ${e.cwd}`,
          ),
        );
        break;
      case "agent_message.delta":
        if (streamText) {
          progress.write(visible(e.text, true));
          midLine = !e.text.endsWith("\n");
        }
        break;
      case "agent_message":
        if (!streamText) line(visible(e.text, true));
        else if (midLine) line("");
        break;
      case "model.retrying":
        line(
          paint(
            c,
            "33",
            `model: ${visible(e.reason)}; retrying in ${(e.delay_ms / 1000).toFixed(1)} s (attempt ${e.attempt})`,
          ),
        );
        break;
      case "command.proposed":
        line(
          `${paint(c, "1", `$ ${showArgv(e.command)}`)}  ${paint(c, "2", `in ${visible(e.workdir)} · ${e.sandbox}`)}`,
        );
        if (e.justification) line(paint(c, "2", `  why: ${visible(e.justification)}`));
        break;
      case "mcp.proposed":
        line(
          `${paint(c, "1", `mcp ${visible(e.server)}/${visible(e.tool)}`)} ${visible(e.arguments.length > 200 ? `${e.arguments.slice(0, 200)}…` : e.arguments)}  ${paint(c, "2", e.runs)}`,
        );
        break;
      case "mcp.finished":
        line(paint(c, e.ok ? "32" : "31", `  ${e.ok ? "ok" : "failed"}`));
        if (e.output.trim()) line(paint(c, "2", lastLines(e.output, 6)));
        break;
      case "mcp.elicitation":
        line(
          paint(
            c,
            e.action === "accept" ? "32" : "33",
            `  MCP server ${visible(e.server)} asked: ${visible(e.message)} -> ${e.action} (${e.reason})`,
          ),
        );
        break;
      case "patch.proposed":
        line(`${paint(c, "1", "patch")} ${e.files.map((f) => visible(f)).join(", ")}  ${paint(c, "2", e.sandbox)}`);
        break;
      case "approval.decided":
        if (e.decision === "refused") line(paint(c, "31", `  refused: ${e.reason}`));
        else if (e.decision === "denied") line(paint(c, "31", `  denied: ${e.reason}`));
        else if (e.decision === "approved_for_session" || e.decision === "approved_prefix")
          line(paint(c, "32", `  ${e.reason}`));
        break;
      case "review.started":
        line(paint(c, "2", "  auto-review: Reviewing…"));
        break;
      case "review.finished": {
        const label = { approved: "Approved", denied: "Denied", timed_out: "Timed out", aborted: "Aborted" }[e.status];
        line(
          paint(
            c,
            e.status === "approved" ? "32" : "31",
            `  auto-review: ${label}${e.risk ? ` (risk ${e.risk}, user authorization ${e.user_authorization})` : ""}: ${visible(e.reason)}`,
          ),
        );
        break;
      }
      case "command.finished":
        line(
          paint(c, e.exit_code === 0 ? "32" : "31", `  ${e.timed_out ? "timed out" : `exit ${e.exit_code ?? "?"}`}`),
        );
        if (e.output.trim()) line(paint(c, "2", lastLines(e.output, 6)));
        for (const d of e.denials) line(paint(c, "33", `  sandbox: ${d}`));
        break;
      case "patch.finished":
        line(paint(c, e.ok ? "32" : "31", `  ${visible(e.message)}`));
        break;
      case "turn.aborted":
        line(paint(c, "33", `turn interrupted: ${e.reason}`));
        break;
      case "turn.failed":
        line(paint(c, "31", `error: ${visible(e.error)}`));
        break;
      default:
        break;
    }
  };
}
