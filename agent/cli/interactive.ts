// `cordon` and `cordon resume`: a conversation on a terminal. Streams the
// model's text, shows each proposed command with its directory and sandbox,
// asks for approvals, and takes /status, /permissions and /quit. Ctrl-C
// interrupts the turn; a second Ctrl-C (or one at an idle prompt, twice) exits.
import { execFile } from "node:child_process";
import { rmSync } from "node:fs";
import { createInterface, type Interface } from "node:readline";
import { policyName, type ApprovalPolicy } from "../approvals/approval-table.js";
import type { SandboxMode } from "../config/schema.js";
import { policyFromEnvironment } from "../sandbox/from-environment.js";
import type { AgentEvent, ApprovalAnswer, ApprovalRequest } from "../session/events.js";
import { runTurn } from "../session/turn.js";
import {
  friendlyFailure,
  recordTrust,
  rememberPrompt,
  elicitationHandler,
  sessionStarted,
  setupAgent,
  startMcp,
  startTelemetryFor,
  turnContext,
  type AgentFlags,
  type AgentSetup,
} from "./agent-setup.js";
import { humanRenderer } from "./render.js";
import { callNoun } from "../tools/orchestrator.js";
import { showArgv, visible } from "./visible.js";
import { loadManaged } from "../config/managed.js";
import type { ElicitResult } from "@modelcontextprotocol/sdk/types.js";
import type { ElicitationRequest } from "../mcp/connect.js";
import { formFields, parseField } from "../mcp/elicitation-form.js";
import { mcpStatusText } from "./mcp-status.js";

const PRESETS: Record<string, { label: string; mode: SandboxMode; approval: ApprovalPolicy }> = {
  auto: { label: "Auto (workspace-write sandbox, asks to leave it)", mode: "workspace-write", approval: "on-request" },
  "read-only": { label: "Read-only (read-only sandbox, asks to leave it)", mode: "read-only", approval: "on-request" },
  full: { label: "Full access (no sandbox, no approvals)", mode: "danger-full-access", approval: "never" },
};

const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

function spinner(out: NodeJS.WriteStream) {
  let timer: NodeJS.Timeout | null = null;
  let i = 0;
  let tail = "";
  return {
    /** `tail`: the last line a running command printed, shown (made visible, cut to the width) beside the clock. */
    start(label: string) {
      if (timer || !out.isTTY) return;
      const t0 = Date.now();
      tail = "";
      timer = setInterval(() => {
        const head = `${SPINNER[i++ % SPINNER.length]} ${label} ${Math.floor((Date.now() - t0) / 1000)}s (Ctrl-C to interrupt)`;
        const room = (out.columns || 80) - head.length - 4; // a pty without a window size reports 0 columns
        out.write(`\r\x1b[2K${head}${tail && room > 10 ? ` │ ${tail.slice(-room)}` : ""}`);
      }, 100);
    },
    output(chunk: string) {
      const last = chunk
        .split("\n")
        .map((l) => l.trim())
        .filter(Boolean)
        .pop();
      if (last) tail = visible(last);
    },
    stop() {
      if (!timer) return;
      clearInterval(timer);
      timer = null;
      out.write("\r\x1b[2K");
    },
  };
}

function question(rl: Interface, text: string): Promise<string> {
  return new Promise((res) => rl.question(text, res));
}

function firewallLine(): Promise<string> {
  return new Promise((res) => {
    execFile(
      process.execPath,
      [process.argv[1] as string, "firewall", "status", "--json"],
      { timeout: 5000 },
      (_e, stdout) => {
        try {
          const j = JSON.parse(stdout) as {
            state: { phase: string } | null;
            refresher?: { health: { healthy: boolean; detail: string } };
          };
          if (!j.state) return res("not started in this environment (no firewall state)");
          return res(
            `${j.state.phase === "enforce" ? "active" : j.state.phase}; DNS refresher ${j.refresher?.health.healthy ? "healthy" : `not healthy (${j.refresher?.health.detail ?? "?"})`}`,
          );
        } catch {
          return res("unknown (cordon firewall status failed)");
        }
      },
    );
  });
}

export async function interactiveAction(flags: AgentFlags): Promise<void> {
  const out = process.stdout;
  const rl = createInterface({ input: process.stdin, output: out, terminal: Boolean(process.stdin.isTTY) });
  const warn = (l: string) => out.write(`warning: ${l}\n`);
  let setup: AgentSetup;
  try {
    setup = setupAgent(flags, warn);
  } catch (e) {
    const f = friendlyFailure(e);
    rl.close();
    if (!f) throw e;
    process.stderr.write(`cordon: ${f.message}\n`);
    process.exitCode = f.code;
    return;
  }
  // First run in a folder the user has not said anything about: ask once, remember.
  if (setup.project.trust === null && !flags.sandbox && !flags.askForApproval && !flags.yolo && !flags.fullAuto) {
    const a = (
      await question(
        rl,
        `Do you trust the files in ${setup.project.root}? cordon will run commands and edit files there in Auto mode. [y/N] `,
      )
    )
      .trim()
      .toLowerCase();
    const trusted = a === "y" || a === "yes";
    recordTrust(setup.project.root, trusted);
    out.write(
      trusted
        ? "Trusted; remembered in config.toml.\n"
        : "Not trusted; starting read-only, asking before anything that is not known-safe. Remembered in config.toml.\n",
    );
    // Set up again with the answer; the first, still empty session file goes.
    const unused = setup.session.file;
    setup = setupAgent(flags, warn);
    if (!setup.resumed && unused) rmSync(unused, { force: true });
  }
  const spin = spinner(out);
  const render = humanRenderer(out, true);
  const emit = (e: AgentEvent) => {
    if (e.type === "command.output") return spin.output(e.chunk);
    const printsLines =
      [
        "agent_message.delta",
        "command.proposed",
        "patch.proposed",
        "mcp.proposed",
        "mcp.finished",
        "mcp.elicitation",
        "turn.failed",
        "turn.aborted",
        "turn.completed",
        "approval.requested",
        "command.finished",
        "patch.finished",
      ].includes(e.type) ||
      (e.type === "approval.decided" && e.decision !== "auto");
    if (printsLines) spin.stop();
    render(e);
    // While a command runs: its elapsed time and the last line it printed; while the model thinks: a clock.
    if (e.type === "approval.decided" && (e.decision === "auto" || e.decision.startsWith("approved"))) {
      spin.stop();
      spin.start("running");
    }
    if (e.type === "command.finished" || e.type === "patch.finished" || e.type === "mcp.finished")
      spin.start("working");
  };
  const ask = async (req: ApprovalRequest): Promise<ApprovalAnswer> => {
    spin.stop();
    // Everything shown as it will run, control characters made visible: the string cannot disguise itself.
    const what =
      req.tool === "shell"
        ? `$ ${showArgv(req.argv)}`
        : req.tool === "mcp"
          ? `MCP tool ${visible(req.argv[1] ?? "")} of server ${visible(req.argv[0] ?? "")}, arguments ${visible(req.argv[2] ?? "{}")}`
          : `apply_patch to ${req.argv.map((f) => visible(f)).join(", ")}`;
    out.write(
      `\nApprove? ${visible(req.reason)}\n  ${what}\n  in ${visible(req.workdir)}\n  with: ${req.permission}${req.justification ? `\n  why (the model's words): ${visible(req.justification)}` : ""}\n`,
    );
    const prefix = req.prefix ? `  [p] always allow commands starting ${showArgv(req.prefix)} (writes a rule)` : "";
    for (let i = 0; i < 5; i++) {
      const a = (
        await question(
          rl,
          `[y] yes once  [a] yes, and this exact ${callNoun(req.tool)} again this session${prefix}  [n] no, tell the model  [q] abort the turn > `,
        )
      )
        .trim()
        .toLowerCase();
      if (a === "y" || a === "yes") return { kind: "approve" };
      if (a === "a") return { kind: "approve_session" };
      if (a === "p" && req.prefix) return { kind: "approve_prefix" };
      if (a === "q") return { kind: "abort" };
      if (a === "n" || a === "no") {
        const why = (await question(rl, "Tell the model why (optional) > ")).trim();
        return why ? { kind: "deny", feedback: why } : { kind: "deny" };
      }
    }
    return { kind: "deny", feedback: "no valid answer given" };
  };
  const { session } = setup;
  const telemetry = await startTelemetryFor(setup, warn);
  const mcp = await startMcp(setup, warn);
  const ctx = turnContext(setup, emit, ask, mcp, telemetry);
  // An MCP server's question, field by field; the values go to the server only, never to the log.
  const form = async (r: ElicitationRequest): Promise<ElicitResult> => {
    spin.stop();
    out.write(`\nMCP server ${visible(r.server)} asks: ${visible(r.message)}\n`);
    const a = (await question(rl, "[y] answer  [n] decline  [c] cancel > ")).trim().toLowerCase();
    if (a === "c") return { action: "cancel" };
    if (a !== "y" && a !== "yes") return { action: "decline" };
    const content: Record<string, string | number | boolean> = {};
    for (const f of formFields(r.requestedSchema)) {
      const hint = [
        f.choices ? f.choices.join("/") : f.type,
        f.required ? "required" : "optional",
        ...(f.default !== undefined ? [`default ${String(f.default)}`] : []),
      ].join(", ");
      let done = false;
      for (let i = 0; i < 3 && !done; i++) {
        const v = parseField(
          f,
          await question(
            rl,
            `  ${visible(f.label)}${f.description ? ` (${visible(f.description)})` : ""} [${hint}] > `,
          ),
        );
        if (!v.ok) {
          out.write(`  ${v.error}\n`);
          continue;
        }
        if (v.value !== undefined) content[f.name] = v.value;
        done = true;
      }
      if (!done) return { action: "cancel" };
    }
    return { action: "accept", content };
  };
  mcp?.setElicitationHandler(elicitationHandler(ctx, ctx.emit, form));
  ctx.emit(sessionStarted(setup, ctx));
  if (setup.resumed) out.write(`resumed with ${session.items.length} items; /status for details\n`);
  out.write("Type a request, or /status, /permissions, /mcp, /quit. Ctrl-C interrupts.\n");

  let turn: AbortController | null = null;
  let lastCtrlC = 0;
  rl.on("SIGINT", () => {
    const now = Date.now();
    if (turn) {
      turn.abort();
      out.write("\ninterrupting… (Ctrl-C again to quit)\n");
      if (now - lastCtrlC < 2000)
        void (telemetry?.shutdown(1000) ?? Promise.resolve()).finally(() => process.exit(130));
    } else if (now - lastCtrlC < 2000) {
      rl.close();
      return;
    } else out.write("\n(Ctrl-C again to quit)\n");
    lastCtrlC = now;
  });

  const commands: Record<string, (arg: string) => Promise<void>> = {
    "/status": async () => {
      out.write(
        [
          `session:     ${session.meta.id} (${session.file ?? 'not kept: history.persistence = "none"'})`,
          `model:       ${setup.model} via ${setup.provider.id} (${setup.provider.wireApi} API at ${setup.provider.baseUrl})`,
          `sandbox:     ${ctx.policy.mode}${ctx.policy.network ? " with network" : ""}`,
          `approvals:   ${policyName(ctx.approval)}`,
          `writable:    ${ctx.policy.writableRoots.join(", ") || "none"}`,
          `firewall:    ${await firewallLine()}`,
          `managed:     ${(() => {
            const m = loadManaged();
            return m.requirementsFile || m.configFile
              ? [m.requirementsFile, m.configFile].filter(Boolean).join(", ")
              : "nothing";
          })()}`,
          "",
        ].join("\n"),
      );
    },
    "/permissions": async (arg) => {
      let key = arg.trim().toLowerCase();
      if (!key) {
        Object.entries(PRESETS).forEach(([k, p], i) =>
          out.write(`  ${i + 1}) ${p.label}${p.mode === ctx.policy.mode ? "  (current)" : ""} [${k}]\n`),
        );
        const a = (await question(rl, "Choose 1-3 > ")).trim();
        key = Object.keys(PRESETS)[Number(a) - 1] ?? a;
      }
      const p = PRESETS[key];
      if (!p) {
        out.write(`unknown choice "${key}"; expected auto, read-only or full\n`);
        return;
      }
      ctx.policy = policyFromEnvironment({ cwd: ctx.policy.cwd, sandboxMode: p.mode }, setup.config);
      ctx.approval = p.approval;
      out.write(`permissions: ${p.label}\n`);
    },
    "/mcp": () => {
      if (!mcp) {
        out.write("no MCP servers configured ([mcp_servers.NAME] in config.toml, or `cordon mcp add`)\n");
        return Promise.resolve();
      }
      out.write(mcpStatusText(mcp.status()));
      return Promise.resolve();
    },
    "/quit": () => {
      rl.close();
      return Promise.resolve();
    },
  };
  commands["/exit"] = commands["/quit"] as (arg: string) => Promise<void>;

  rl.setPrompt("› ");
  rl.prompt();
  for await (const line of rl) {
    const text = line.trim();
    if (!text) {
      rl.prompt();
      continue;
    }
    const [cmd = "", ...rest] = text.split(/\s+/);
    if (cmd.startsWith("/")) {
      const handler = commands[cmd];
      if (handler) await handler(rest.join(" "));
      else out.write(`unknown command ${cmd}; try /status, /permissions, /mcp, /quit\n`);
      rl.prompt();
      continue;
    }
    rememberPrompt(setup, text);
    telemetry?.userPrompt(text);
    turn = new AbortController();
    mcp?.beginTurn();
    spin.start("thinking");
    await runTurn(ctx, text, turn.signal);
    spin.stop();
    turn = null;
    rl.prompt();
  }
  // Idle keep-alive sockets to the model server must not hold the exit.
  await mcp?.close();
  await telemetry?.shutdown();
  out.write("bye\n");
  process.exit(process.exitCode ?? 0);
}
