// The spec's command names `.devcontainer/devcontainer.secure.json`; the Dev
// Containers CLI (the real one, no Docker needed to read a configuration)
// resolves it to the nested-sandbox configuration.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";

const root = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");
const cli = new URL("../../node_modules/.bin/devcontainer", import.meta.url).pathname;

describe("devcontainer --config .devcontainer/devcontainer.secure.json", () => {
  it("reads as the nested sandbox, with the seccomp profile and mounts of the default configuration", () => {
    const read = (config: string) =>
      (
        JSON.parse(
          execFileSync(cli, ["read-configuration", "--workspace-folder", root, "--config", config], {
            encoding: "utf8",
            stdio: ["ignore", "pipe", "ignore"],
            timeout: 60_000,
          }),
        ) as { configuration: Record<string, unknown> }
      ).configuration;
    const secure = read(".devcontainer/devcontainer.secure.json");
    const nested = read(".devcontainer/devcontainer.json");
    expect(secure.name).toBe("cordon: nested sandbox (default)");
    expect(secure.runArgs).toContain(`--security-opt=seccomp=${root}/.devcontainer/seccomp/seccomp-bwrap.json`);
    expect(secure.build).toEqual(nested.build);
    expect(secure.mounts).toEqual(nested.mounts);
    expect(secure.postStartCommand).toBe("sudo /usr/local/bin/init-firewall.sh");
  });
});
