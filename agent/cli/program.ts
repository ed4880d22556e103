import { Command } from "commander";
import { packageVersion } from "../version.js";
import { registerDoctorCommand } from "./doctor-command.js";
import { registerFirewallCommands } from "./firewall-status.js";
import { registerSandboxCommand } from "./sandbox-command.js";

/** Builds the `cordon` command tree; subcommands register themselves here. */
export function buildProgram(): Command {
  const program = new Command("cordon")
    .description(
      "A coding agent that runs model-proposed commands inside a sandbox, behind an allowlist firewall.",
    )
    .version(packageVersion(), "-V, --version", "print the cordon version")
    .showHelpAfterError("(run `cordon --help` for usage)");
  registerSandboxCommand(program);
  registerDoctorCommand(program);
  registerFirewallCommands(program);
  return program;
}
