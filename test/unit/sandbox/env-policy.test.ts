import { describe, expect, it } from "vitest";
import { commandEnvironment, DEFAULT_ENV_POLICY, type EnvPolicy } from "../../../agent/sandbox/env-policy.js";

const env = {
  PATH: "/usr/bin",
  HOME: "/home/u",
  LANG: "C.UTF-8",
  EDITOR: "vim",
  OPENAI_API_KEY: "sk-abcdef",
  GITHUB_TOKEN: "ghp",
  Db_Password: "pw",
  MY_SECRET_THING: "s",
  AWS_CREDENTIALS_FILE: "/x",
  MONKEY: "banana",
  SSH_AUTH_SOCK: "/tmp/ssh/agent.1",
  DBUS_SESSION_BUS_ADDRESS: "unix:path=/run/user/1/bus",
  CORDON_HOME: "/home/u/.cordon",
  LEAK: "prefix-sk-abcdef-suffix",
  HDR: "header-value-1",
};
const secrets = { names: ["OPENAI_API_KEY"], values: ["sk-abcdef", "header-value-1"] };
const run = (over: Partial<EnvPolicy>) => commandEnvironment({ ...DEFAULT_ENV_POLICY, ...over }, env, secrets);

describe("shell_environment_policy", () => {
  it("by default keeps everything but secret-looking names, agent handles and the provider's key and header values", () => {
    expect(run({})).toEqual({ PATH: "/usr/bin", HOME: "/home/u", LANG: "C.UTF-8", EDITOR: "vim" });
  });
  it("ignore_default_excludes keeps *KEY*-like names, never the provider's key or its value under another name", () => {
    expect(run({ ignoreDefaultExcludes: true })).toEqual({
      PATH: "/usr/bin",
      HOME: "/home/u",
      LANG: "C.UTF-8",
      EDITOR: "vim",
      GITHUB_TOKEN: "ghp",
      Db_Password: "pw",
      MY_SECRET_THING: "s",
      AWS_CREDENTIALS_FILE: "/x",
      MONKEY: "banana",
    });
  });
  it("inherit core and none", () => {
    expect(run({ inherit: "core" })).toEqual({ PATH: "/usr/bin", HOME: "/home/u", LANG: "C.UTF-8" });
    expect(run({ inherit: "none", set: { A: "1" } })).toEqual({ A: "1" });
  });
  it("exclude (case-insensitive globs), set, then include_only", () => {
    expect(run({ exclude: ["ed*"], set: { CI: "1" } })).toEqual({
      PATH: "/usr/bin",
      HOME: "/home/u",
      LANG: "C.UTF-8",
      CI: "1",
    });
    expect(run({ includeOnly: ["PATH", "C?"], set: { CI: "1", X: "2" } })).toEqual({ PATH: "/usr/bin", CI: "1" });
  });
  it("set cannot put a secret back", () => {
    expect(run({ inherit: "none", set: { OPENAI_API_KEY: "x", SSH_AUTH_SOCK: "/s", OTHER: "sk-abcdef" } })).toEqual({});
  });
});
