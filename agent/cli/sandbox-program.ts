// The root command (its -c flag and the hook that applies it) and `cordon
// sandbox`: shared by the whole CLI (program.ts) and by the sandbox-only
// entry (sandbox-main.ts), so both parse `cordon sandbox ...` the same way.
import { Command } from "commander";
import { packageVersion } from "../version.js";

const collect = (v: string, acc: string[]) => [...acc, v];

/** Adds `-c, --config <key=value>` unless the command has it. */
export const configFlag = (c: Command): Command =>
  c.options.some((o) => o.long === "--config")
    ? c
    : c.option(
        "-c, --config <key=value>",
        "override a config.toml key for this run (dotted path, TOML value; repeatable)",
        collect,
        [] as string[],
      );

/** `cordon` with its own options, before any subcommand is added. */
export function rootProgram(): Command {
  const program = new Command("cordon")
    .description("A coding agent that runs model-proposed commands inside a sandbox, behind an allowlist firewall.")
    .version(packageVersion(), "-V, --version", "print the cordon version")
    .showHelpAfterError("(run `cordon --help` for usage)")
    // Options before a subcommand belong to cordon, after it to the subcommand (-p, -C exist on both).
    .enablePositionalOptions();
  configFlag(program);
  // -c may stand before the subcommand or after it: both lists apply, in that order.
  program.hook("preAction", async (_root, action) => {
    const { loadConfig, setConfigOverrides } = await import("../config/load.js");
    const list = [
      ...((program.opts().config as string[] | undefined) ?? []),
      ...(action === program ? [] : ((action.opts().config as string[] | undefined) ?? [])),
    ];
    setConfigOverrides(list);
    // A bad -c is an error for every command, also one that reads no config itself.
    if (list.length) loadConfig();
  });
  return program;
}

/** `cordon sandbox -- CMD`, and the spec's spelling `cordon sandbox linux -- CMD`: the same options and action. */
export function addSandboxCommands(program: Command): void {
  const sandboxCommand = (c: Command, description: string) =>
    configFlag(c)
      .description(description)
      .option(
        "-P, --permissions-profile <name>",
        "permission profile (:read-only, :workspace, :danger-full-access, or [permissions.NAME])",
      )
      .option("-p, --profile <name>", "config profile ([profiles.NAME])")
      .option("-C, --cd <dir>", "working directory (the workspace)")
      .option("--log-denials", "explain failures the sandbox caused")
      .argument("<command...>", "the command and its arguments (after --)")
      .action(async (command: string[], opts: Record<string, unknown>) =>
        (await import("./sandbox-command.js")).sandboxAction(command, opts),
      );
  const sandbox = sandboxCommand(
    program.command("sandbox"),
    "run a command under the configured sandbox and exit with its status",
  );
  sandboxCommand(sandbox.command("linux"), "the same, as the spec spells it (Linux: bubblewrap)");
}
