// Which Unix sockets outside the sandbox are masked, and with how few mounts.
import { describe, expect, it } from "vitest";
import { planSocketMasks } from "../../../agent/sandbox/socket-masks.js";
import { isPowerfulSocket, parseProcNetUnix } from "../../../agent/sandbox/unix-sockets.js";

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
    ["/run/docker.sock", true],
    ["/run/containerd/containerd.sock", true],
    ["/run/podman/podman.sock", true],
    ["/tmp/ssh-abc/agent.42", true],
    ["/run/user/1000/gnupg/S.gpg-agent.ssh", true],
    ["/run/dbus/system_bus_socket", true],
    ["/run/cordon/refresher.sock", true],
    ["/var/run/postgresql/.s.PGSQL.5432", false],
    ["/tmp/dev-server.sock", false],
  ])("%s powerful: %s", (p, want) => expect(isPowerfulSocket(p, {})).toBe(want));
});

describe("socket masks with few mounts", () => {
  const shared = ["/", "/run", "/tmp", "/run/user/1000"];
  it("hides a socket's own directory outside the roots, binds over sockets in shared places and in writable roots", () => {
    const m = planSocketMasks(
      [
        "/run/docker.sock",
        "/run/docker/containerd/a.sock",
        "/run/docker/containerd/b.sock",
        "/run/docker/metrics.sock",
        "/tmp/ssh-x/agent.1",
        "/ws/dev.sock",
        "/run/user/1000/bus",
        "/home/u/.gnupg/S.gpg-agent",
      ],
      ["/ws", "/tmp"],
      ["/ws", "/usr/bin/node"],
      shared,
    );
    expect(m).toEqual({
      dirs: ["/home/u/.gnupg", "/run/docker"],
      files: ["/run/docker.sock", "/run/user/1000/bus", "/tmp/ssh-x/agent.1", "/ws/dev.sock"],
    });
  });
  it("never hides a directory holding the workspace or something the sandbox needs", () => {
    expect(
      planSocketMasks(
        ["/home/u/agent.sock", "/opt/tools/x.sock"],
        ["/home/u/proj"],
        ["/home/u/proj", "/opt/tools/node"],
        shared,
      ),
    ).toEqual({ dirs: [], files: ["/home/u/agent.sock", "/opt/tools/x.sock"] });
  });
});
