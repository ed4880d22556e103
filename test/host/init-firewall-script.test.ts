// init-firewall.sh's own gate, before it touches anything: only root may run it, and it takes no
// arguments. Run here as root and, through setpriv, as nobody; both stop before any effect.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

const SCRIPT = new URL("../../.devcontainer/init-firewall.sh", import.meta.url).pathname;
const run = (prefix: string[], ...args: string[]) => {
  const cmd = [...prefix, "bash", SCRIPT, ...args];
  const r = spawnSync(cmd[0] as string, cmd.slice(1), { encoding: "utf8", env: { PATH: process.env.PATH } });
  return { status: r.status, stderr: r.stderr.trim() };
};
const isRoot = process.getuid?.() === 0;

describe.skipIf(!isRoot)("init-firewall.sh's gate", () => {
  it("refuses anyone but root, and lets root on to its next check", () => {
    expect(run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"])).toEqual({
      status: 1,
      stderr: `init-firewall: must run as root (use: sudo ${SCRIPT})`,
    });
    // Root passes the uid check and stops at the next one (an argument), still before any effect.
    expect(run([], "--allowlist")).toEqual({
      status: 2,
      stderr: "init-firewall: takes no arguments; settings come from the container's environment",
    });
  });
});
