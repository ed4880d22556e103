// The bwrap command line, built from a policy and filesystem facts.
import { describe, expect, it } from "vitest";
import { buildBwrapArgs } from "../../../agent/sandbox/bwrap-args.js";
import type { FsFacts } from "../../../agent/sandbox/fs-facts.js";
import { resolvePolicy } from "../../../agent/sandbox/policy.js";
import { facts, inputs } from "../../support/sandbox-fixtures.js";

describe("bwrap argument builder", () => {
  const p = resolvePolicy(inputs());
  const argv = buildBwrapArgs(p, facts, { proc: "proc", seccompFd: 3 }, ["sh", "-c", "true"]);
  const pos = (...xs: string[]) => argv.findIndex((_, i) => xs.every((x, j) => argv[i + j] === x));
  it("builds the whole command line, in the order that keeps every mask on top", () => {
    const full: FsFacts = {
      ...facts,
      writableRoots: ["/tmp", "/ws"],
      pinnedDirs: ["/ws/conf"],
      denyFiles: ["/ws/conf/a.env"],
      privateDirs: ["/home/u/.cordon"],
      sockets: { dirs: ["/run/docker"], files: ["/run/docker.sock"] },
      protectedEmpty: ["/tmp/.git"],
    };
    expect(buildBwrapArgs(p, full, { proc: "proc", seccompFd: 3, infoFd: 4, dropCaps: true }, ["true"])).toEqual([
      "--new-session",
      "--die-with-parent",
      "--ro-bind",
      "/",
      "/",
      "--dev",
      "/dev",
      "--bind",
      "/tmp",
      "/tmp",
      "--bind",
      "/ws",
      "/ws",
      "--bind",
      "/ws/conf",
      "/ws/conf",
      "--ro-bind",
      "/ws/docs",
      "/ws/docs",
      "--ro-bind",
      "/ws/.git",
      "/ws/.git",
      "--perms",
      "0555",
      "--tmpfs",
      "/ws/.agents",
      "--remount-ro",
      "/ws/.agents",
      "--perms",
      "0555",
      "--tmpfs",
      "/tmp/.git",
      "--remount-ro",
      "/tmp/.git",
      "--perms",
      "0000",
      "--tmpfs",
      "/ws/secrets",
      "--remount-ro",
      "/ws/secrets",
      "--ro-bind",
      "/dev/null",
      "/ws/conf/a.env",
      "--perms",
      "0000",
      "--tmpfs",
      "/home/u/.cordon",
      "--remount-ro",
      "/home/u/.cordon",
      "--perms",
      "0000",
      "--tmpfs",
      "/run/docker",
      "--remount-ro",
      "/run/docker",
      "--ro-bind",
      "/dev/null",
      "/run/docker.sock",
      "--unshare-user",
      "--unshare-pid",
      "--unshare-ipc",
      "--unshare-uts",
      "--unshare-cgroup-try",
      "--cap-drop",
      "ALL",
      "--unshare-net",
      "--proc",
      "/proc",
      "--chdir",
      "/ws",
      "--seccomp",
      "3",
      "--info-fd",
      "4",
      "--",
      "true",
    ]);
  });
  it("starts read-only, with session and parent-death safety", () => {
    expect(argv.slice(0, 7)).toEqual(["--new-session", "--die-with-parent", "--ro-bind", "/", "/", "--dev", "/dev"]);
  });
  it("binds writable roots shallowest first, then protections over them", () => {
    const nested = buildBwrapArgs(p, { ...facts, writableRoots: ["/ws/sub/deeper", "/ws"] }, { proc: "proc" }, [
      "true",
    ]).join(" ");
    expect(nested.indexOf("--bind /ws /ws")).toBeLessThan(nested.indexOf("--bind /ws/sub/deeper /ws/sub/deeper"));
    expect(pos("--bind", "/tmp", "/tmp")).toBeGreaterThan(0);
    expect(pos("--ro-bind", "/ws/.git", "/ws/.git")).toBeGreaterThan(pos("--bind", "/ws", "/ws"));
    expect(pos("--perms", "0555", "--tmpfs", "/ws/.agents", "--remount-ro", "/ws/.agents")).toBeGreaterThan(0);
    expect(pos("--ro-bind", "/ws/docs", "/ws/docs")).toBeGreaterThan(0);
  });
  it("masks deny-read directories and files after everything that could re-expose them", () => {
    const dir = pos("--perms", "0000", "--tmpfs", "/ws/secrets", "--remount-ro", "/ws/secrets");
    const file = pos("--ro-bind", "/dev/null", "/ws/a.env");
    expect(dir).toBeGreaterThan(pos("--ro-bind", "/ws/.git", "/ws/.git"));
    expect(file).toBeGreaterThan(0);
  });
  it("unshares user, pid and net; fresh /proc; chdir; seccomp; then the command", () => {
    for (const f of ["--unshare-user", "--unshare-pid", "--unshare-net"]) expect(argv).toContain(f);
    expect(argv.slice(-9)).toEqual(
      ["--proc", "/proc", "--chdir", "/ws", "--seccomp", "3", "--", "sh", "-c", "true"].slice(-9),
    );
  });
  it("keeps the network with network access, and falls back to a read-only /proc bind", () => {
    const a = buildBwrapArgs({ ...p, network: true }, facts, { proc: "bind" }, ["true"]);
    expect(a).not.toContain("--unshare-net");
    expect(a.join(" ")).toContain("--ro-bind /proc /proc");
    expect(a).not.toContain("--seccomp");
  });
  it("refuses an empty command", () => {
    expect(() => buildBwrapArgs(p, facts, { proc: "proc" }, [])).toThrow(/no command/);
  });
});
