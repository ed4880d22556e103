import type { InitOptions } from "./init-command.js";
import type { Command } from "commander";
import { addSandboxCommands, configFlag, rootProgram } from "./sandbox-program.js";

// Subcommands load their implementation on use, so `cordon --version` and
// `--help` stay fast (the sandbox, firewall and config modules pull in zod,
// execa and undici).
export function buildProgram(): Command {
  const program = rootProgram();
  addSandboxCommands(program);
  const collect = (v: string, acc: string[]) => [...acc, v];

  configFlag(program.command("doctor"))
    .description("report what this host/container supports and which sandbox mode the agent will use")
    .option("--json", "print one JSON document")
    .action(async (opts: { json?: boolean }) => (await import("./doctor-command.js")).doctorAction(opts));

  const ep = program.command("execpolicy").description("check commands against execpolicy rules (.rules files)");
  configFlag(ep.command("check"))
    .description("print the decision and matching rules for a command as JSON")
    .option(
      "--rules <file>",
      "a rules file to use instead of the configured ones (repeatable)",
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .argument("<command...>", "the command and its arguments (after --)")
    .action(async (command: string[], opts: { rules: string[] }) =>
      (await import("./execpolicy-command.js")).execpolicyCheckAction(command, opts),
    );

  const mcp = program.command("mcp").description("the MCP servers in config.toml ([mcp_servers.NAME])");
  configFlag(mcp.command("list"))
    .description("list the configured servers")
    .option("--json", "print one JSON document")
    .action(async (o: { json?: boolean }) => (await import("./mcp-command.js")).mcpListAction(o));
  configFlag(mcp.command("get"))
    .description("show one server's settings")
    .argument("<name>")
    .option("--json", "print one JSON document")
    .action(async (name: string, o: { json?: boolean }) => (await import("./mcp-command.js")).mcpGetAction(name, o));
  mcp
    .command("add")
    .description(
      "add a server: `cordon mcp add NAME -- COMMAND ARGS...` (stdio, read-only sandbox) or `cordon mcp add NAME --url URL`",
    )
    .argument("<name>")
    .argument("[command...]", "the server's command and arguments (after --)")
    .option("--url <url>", "a streamable HTTP server")
    .option("--bearer-token-env-var <var>", "HTTP: send the token in this environment variable")
    .option("--env <NAME=VALUE>", "set in the server's environment (repeatable)", collect, [] as string[])
    .option(
      "--env-var <NAME>",
      "pass this variable through from cordon's environment (repeatable)",
      collect,
      [] as string[],
    )
    .option("--sandbox <mode>", "the server's sandbox: read-only (default), workspace-write, none")
    .option("--network", "give the sandboxed server network access (the firewall still applies)")
    .option("--cwd <dir>", "the server's working directory (absolute)")
    .action(async (name: string, command: string[], o: Record<string, unknown>) =>
      (await import("./mcp-command.js")).mcpAddAction(name, command, o as never),
    );
  mcp
    .command("remove")
    .description("remove a server's table from config.toml")
    .argument("<name>")
    .action(async (name: string) => (await import("./mcp-command.js")).mcpRemoveAction(name));

  configFlag(program.command("init"))
    .description(
      "make this repository's dev container a cordon one: the cordon Feature, devcontainer.json (merged, comments kept) and an allowlist of the registries its files need",
    )
    .option("-C, --cd <dir>", "the repository (default: the current directory's)")
    .option(
      "--mode <mode>",
      "nested (cordon's own sandbox in the container; default) or boundary (the container is the sandbox)",
    )
    .option("--feature <ref>", "reference a published cordon Feature instead of writing one into .devcontainer/cordon")
    .option("--dry-run", "print the unified diff; write nothing")
    .option("--force", "replace an allowlist that was edited by hand")
    .action(async (o: InitOptions) => (await import("./init-command.js")).initAction(o));

  const fw = program.command("firewall").description("inspect the container's egress firewall");
  configFlag(fw.command("status"))
    .description("allowed names, their current addresses and expiry, and whether the rules are in place")
    .option("--json", "print one JSON document")
    .action(async (opts: { json?: boolean }) => (await import("./firewall-status.js")).firewallStatusAction(opts));
  const agentOptions = (c: Command) =>
    configFlag(c)
      .option("-s, --sandbox <mode>", "sandbox mode: read-only, workspace-write or danger-full-access")
      .option("-a, --ask-for-approval <policy>", "approval policy: untrusted, on-request, on-failure or never")
      .option("-p, --profile <name>", "config profile ([profiles.NAME])")
      .option("-m, --model <model>", "model name")
      .option("-C, --cd <dir>", "working directory (the workspace)")
      .option("--full-auto", "deprecated: --sandbox workspace-write --ask-for-approval on-request")
      .option(
        "--dangerously-bypass-approvals-and-sandbox",
        "no sandbox, no approvals (only inside an externally sandboxed environment)",
      )
      .option("--yolo", "same as --dangerously-bypass-approvals-and-sandbox")
      .option("--search", 'offer the model live web search (web_search = "live"; Responses providers)');
  type Raw = Record<string, unknown>;
  const flags = (o: Raw) => ({
    ...(o.sandbox ? { sandbox: o.sandbox as never } : {}),
    ...(o.askForApproval ? { askForApproval: o.askForApproval as string } : {}),
    ...(o.profile ? { profile: o.profile as string } : {}),
    ...(o.model ? { model: o.model as string } : {}),
    ...(o.cd ? { cd: o.cd as string } : {}),
    ...(o.fullAuto ? { fullAuto: true } : {}),
    ...(o.yolo || o.dangerouslyBypassApprovalsAndSandbox ? { yolo: true } : {}),
    ...(o.search ? { search: true } : {}),
  });
  const checkMode = (o: Raw) => {
    if (o.sandbox && !["read-only", "workspace-write", "danger-full-access"].includes(o.sandbox as string)) {
      program.error(`--sandbox ${String(o.sandbox)}: expected read-only, workspace-write or danger-full-access`, {
        exitCode: 2,
      });
    }
  };

  agentOptions(program.command("exec"))
    .description("run one turn without a terminal (scripts, CI); approval requests are denied")
    .argument("[prompt]", "the request; '-' or none reads it from stdin")
    .option("--json", "print one JSON event per line on stdout")
    .option("--resume <id>", "continue the session with this id")
    .option("--resume-last", "continue the most recent session")
    .action(async (prompt: string | undefined, o: Raw) => {
      checkMode(o);
      await (
        await import("./exec-command.js")
      ).execAction(prompt, {
        ...flags(o),
        ...(o.json ? { json: true } : {}),
        ...(o.resume ? { resume: o.resume as string } : {}),
        ...(o.resumeLast ? { resumeLast: true } : {}),
      });
    });

  agentOptions(program.command("resume"))
    .description("continue a conversation (interactive)")
    .argument("[id]", "session id (or a unique prefix)")
    .option("--last", "the most recent session")
    .action(async (id: string | undefined, o: Raw) => {
      checkMode(o);
      if (!id && !o.last) program.error("cordon resume: give a session id or --last", { exitCode: 2 });
      await (
        await import("./interactive.js")
      ).interactiveAction({ ...flags(o), ...(id ? { resume: id } : { resumeLast: true }) });
    });

  agentOptions(program).action(async (o: Raw) => {
    checkMode(o);
    await (await import("./interactive.js")).interactiveAction(flags(o));
  });
  return program;
}
