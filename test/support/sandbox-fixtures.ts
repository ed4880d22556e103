// What the sandbox's unit tests share: a config from TOML text, policy inputs with overrides, and filesystem facts.
import { parseConfig } from "../../agent/config/load.js";
import { configSchemas } from "../../agent/config/schema.js";
import type { FsFacts } from "../../agent/sandbox/fs-facts.js";
import type { PolicyInputs } from "../../agent/sandbox/policy.js";

export const cfg = (toml = "") => parseConfig(toml, "/home/u/.cordon/config.toml");

export const inputs = (over: Partial<PolicyInputs> = {}): PolicyInputs => ({
  config: configSchemas().ConfigFile.parse({}),
  cwd: "/ws",
  home: "/home/u",
  tmpdirEnv: "/var/tmp/u",
  cordonHome: "/home/u/.cordon",
  inGitRepo: true,
  cli: {},
  ...over,
});

export const facts: FsFacts = {
  writableRoots: ["/ws", "/tmp"],
  workspace: "/ws",
  protectedExisting: ["/ws/.git"],
  protectedMissing: ["/ws/.agents"],
  readOnly: ["/ws/docs"],
  denyFiles: ["/ws/a.env"],
  denyDirs: ["/ws/secrets"],
  notes: [],
  pinnedDirs: [],
  privateDirs: [],
  sockets: { dirs: [], files: [] },
  protectedEmpty: [],
};
