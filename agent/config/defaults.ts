// What an empty config.toml means, written out: configSchemas().ConfigFile.parse({}), held equal
// to it by a test. A run with no config file, no -c and no managed config takes this instead of
// building zod's schemas (milliseconds at every start). A fresh object per call: callers may
// change theirs. Pure.
import type { ConfigFile } from "./schema.js";

export function defaultConfig(): ConfigFile {
  return {
    profiles: {},
    permissions: {},
    model_providers: {},
    projects: {},
    history: { persistence: "save-all" },
    auto_review: { timeout_ms: 60_000 },
    shell_environment_policy: {
      inherit: "all",
      ignore_default_excludes: false,
      exclude: [],
      include_only: [],
      set: {},
    },
    mcp_servers: {},
  };
}
