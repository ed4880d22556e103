// A configuration file (or -c flag) that cannot be used: every problem, named.
import { UserError } from "../../common/user-error.js";

export class ConfigError extends UserError {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(
      `${file}: invalid configuration\n${problems.map((p) => `  - ${p}`).join("\n")}\nNothing was run. Fix the ${file === "-c" ? "flag" : "file"} and try again.`,
    );
    this.name = "ConfigError";
  }
}
