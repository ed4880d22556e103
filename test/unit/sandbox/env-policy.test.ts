import { describe, expect, it } from "vitest";
import { commandEnvironment, DEFAULT_ENV_POLICY, type EnvPolicy } from "../../../agent/sandbox/env-policy.js";
import { planSocketMasks } from "../../../agent/sandbox/socket-masks.js";
import { isPowerfulSocket, parseProcNetUnix } from "../../../agent/sandbox/unix-sockets.js";

const env = {
  PATH: "/usr/bin", HOME: "/home/u", LANG: "C.UTF-8", EDITOR: "vim",
  OPENAI_API_KEY: "sk-abcdef", GITHUB_TOKEN: "ghp", Db_Password: "pw", MY_SECRET_THING: "s", AWS_CREDENTIALS_FILE: "/x", MONKEY: "banana",
  SSH_AUTH_SOCK: "/tmp/ssh/agent.1", DBUS_SESSION_BUS_ADDRESS: "unix:path=/run/user/1/bus", CORDON_HOME: "/home/u/.cordon",
  LEAK: "prefix-sk-abcdef-suffix", HDR: "header-value-1",
};
const secrets = { names: ["OPENAI_API_KEY"], values: ["sk-abcdef", "header-value-1"] };
const run = (over: Partial<EnvPolicy>) => commandEnvironment({ ...DEFAULT_ENV_POLICY, ...over }, env, secrets);

describe("shell_environment_policy", () => {
  it("by default keeps everything but secret-looking names, agent handles and the provider's key and header values", () => {
    expect(run({})).toEqual({ PATH: "/usr/bin", HOME: "/home/u", LANG: "C.UTF-8", EDITOR: "vim" });
  });
  it("ignore_default_excludes keeps *KEY*-like names, never the provider's key or its value under another name", () => {
    expect(run({ ignoreDefaultExcludes: true })).toEqual({
      PATH: "/usr/bin", HOME: "/home/u", LANG: "C.UTF-8", EDITOR: "vim", GITHUB_TOKEN: "ghp", Db_Password: "pw", MY_SECRET_THING: "s", AWS_CREDENTIALS_FILE: "/x", MONKEY: "banana",
    });
  });
  it("inherit core and none", () => {
    expect(run({ inherit: "core" })).toEqual({ PATH: "/usr/bin", HOME: "/home/u", LANG: "C.UTF-8" });
    expect(run({ inherit: "none", set: { A: "1" } })).toEqual({ A: "1" });
  });
  it("exclude (case-insensitive globs), set, then include_only", () => {
    expect(run({ exclude: ["ed*"], set: { CI: "1" } })).toEqual({ PATH: "/usr/bin", HOME: "/home/u", LANG: "C.UTF-8", CI: "1" });
    expect(run({ includeOnly: ["PATH", "C?"], set: { CI: "1", X: "2" } })).toEqual({ PATH: "/usr/bin", CI: "1" });
  });
  it("set cannot put a secret back", () => {
    expect(run({ inherit: "none", set: { OPENAI_API_KEY: "x", SSH_AUTH_SOCK: "/s", OTHER: "sk-abcdef" } })).toEqual({});
  });
});

describe("Unix sockets to mask", () => {
  it("reads bound pathname sockets from /proc/net/unix, not abstract or unbound ones", () => {
    const text = [
      "Num       RefCount Protocol Flags    Type St Inode Path",
      "0000000000000000: 00000002 00000000 00010000 0001 01 20733 /run/docker.sock",
      "0000000000000000: 00000002 00000000 00010000 0001 01 20734 @/tmp/.X11-unix/X0",
      "0000000000000000: 00000003 00000000 00000000 0001 03 20735",
      "0000000000000000: 00000002 00000000 00010000 0001 01 20736 /tmp/ssh-abc/agent.42",
    ].join("\n");
    expect(parseProcNetUnix(text)).toEqual(["/run/docker.sock", "/tmp/ssh-abc/agent.42"]);
  });
  it.each([
    ["/run/docker.sock", true], ["/run/containerd/containerd.sock", true], ["/run/podman/podman.sock", true], ["/tmp/ssh-abc/agent.42", true],
    ["/run/user/1000/gnupg/S.gpg-agent.ssh", true], ["/run/dbus/system_bus_socket", true], ["/run/cordon/refresher.sock", true],
    ["/var/run/postgresql/.s.PGSQL.5432", false], ["/tmp/dev-server.sock", false],
  ])("%s powerful: %s", (p, want) => expect(isPowerfulSocket(p, {})).toBe(want));
});

describe("socket masks with few mounts", () => {
  const shared = ["/", "/run", "/tmp", "/run/user/1000"];
  it("hides a socket's own directory outside the roots, binds over sockets in shared places and in writable roots", () => {
    const m = planSocketMasks(
      ["/run/docker.sock", "/run/docker/containerd/a.sock", "/run/docker/containerd/b.sock", "/run/docker/metrics.sock", "/tmp/ssh-x/agent.1", "/ws/dev.sock", "/run/user/1000/bus", "/home/u/.gnupg/S.gpg-agent"],
      ["/ws", "/tmp"], ["/ws", "/usr/bin/node"], shared,
    );
    expect(m).toEqual({
      dirs: ["/home/u/.gnupg", "/run/docker"],
      files: ["/run/docker.sock", "/run/user/1000/bus", "/tmp/ssh-x/agent.1", "/ws/dev.sock"],
    });
  });
  it("never hides a directory holding the workspace or something the sandbox needs", () => {
    expect(planSocketMasks(["/home/u/agent.sock", "/opt/tools/x.sock"], ["/home/u/proj"], ["/home/u/proj", "/opt/tools/node"], shared))
      .toEqual({ dirs: [], files: ["/home/u/agent.sock", "/opt/tools/x.sock"] });
  });
});
