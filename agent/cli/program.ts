import { Command } from "commander";
import { packageVersion } from "../version.js";

// Subcommands load their implementation on use, so `cordon --version` and
// `--help` stay fast (the sandbox, firewall and config modules pull in zod,
// execa and undici).
export function buildProgram(): Command {
  const program = new Command("cordon")
    .description(
      "A coding agent that runs model-proposed commands inside a sandbox, behind an allowlist firewall.",
    )
    .version(packageVersion(), "-V, --version", "print the cordon version")
    .showHelpAfterError("(run `cordon --help` for usage)");

  program
    .command("sandbox")
    .description("run a command under the configured sandbox and exit with its status")
    .option("-P, --permissions-profile <name>", "permission profile (:read-only, :workspace, :danger-full-access, or [permissions.NAME])")
    .option("-p, --profile <name>", "config profile ([profiles.NAME])")
    .option("-C, --cd <dir>", "working directory (the workspace)")
    .option("--log-denials", "explain failures the sandbox caused")
    .argument("<command...>", "the command and its arguments (after --)")
    .action(async (command: string[], opts: Record<string, unknown>) => (await import("./sandbox-command.js")).sandboxAction(command, opts));

  program
    .command("doctor")
    .description("report what this host/container supports and which sandbox mode the agent will use")
    .option("--json", "print one JSON document")
    .action(async (opts: { json?: boolean }) => (await import("./doctor-command.js")).doctorAction(opts));

  const fw = program.command("firewall").description("inspect the container's egress firewall");
  fw.command("status")
    .description("allowed names, their current addresses and expiry, and whether the rules are in place")
    .option("--json", "print one JSON document")
    .action(async (opts: { json?: boolean }) => (await import("./firewall-status.js")).firewallStatusAction(opts));
  return program;
}
