import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { deriveProfile, paths, renderDerived, type SeccompProfile } from "../../scripts/derive-seccomp-profile.js";

const root = new URL("../../", import.meta.url);
const read = (p: string) => readFileSync(new URL(p, root), "utf8");
/** devcontainer.json is JSONC: drop whole-line comments before parsing. */
const jsonc = (p: string) => JSON.parse(read(p).replace(/^\s*\/\/.*$/gm, "")) as Record<string, unknown>;

describe("Dockerfile.secure", () => {
  const text = read(".devcontainer/Dockerfile.secure");
  it("uses the ARG defaults as the FROM fallbacks (devcontainer passes empty args)", () => {
    const base = /^ARG BASE_IMAGE=(\S+)$/m.exec(text)?.[1];
    const node = /^ARG NODE_IMAGE=(\S+)$/m.exec(text)?.[1];
    expect(base).toMatch(/^ubuntu:24\.04@sha256:[0-9a-f]{64}$/);
    expect(node).toMatch(/^node:22/);
    expect(text).toContain(`FROM \${BASE_IMAGE:-${base}}`);
    expect(text).toContain(`FROM \${NODE_IMAGE:-${node}} AS node`);
    expect(text).toContain(`FROM \${NODE_IMAGE:-${node}} AS build`);
  });
  it("grants sudo for the firewall start only, without arguments", () => {
    expect(text).toMatch(/NOPASSWD: \/usr\/local\/bin\/init-firewall\.sh \\"\\"/);
    expect(text).not.toMatch(/NOPASSWD:\s*ALL/);
  });
});

describe("the spec's file name", () => {
  it("devcontainer.secure.json is the nested configuration, byte for byte (so the two cannot drift)", () => {
    expect(read(".devcontainer/devcontainer.secure.json")).toBe(read(".devcontainer/devcontainer.json"));
  });
});

describe("dev container configurations", () => {
  const nested = jsonc(".devcontainer/devcontainer.json");
  const boundary = jsonc(".devcontainer/boundary/devcontainer.json");
  it("nested mode loosens only what bwrap needs, never seccomp=unconfined", () => {
    const args = nested.runArgs as string[];
    expect(args.filter((a) => a.startsWith("--cap-add"))).toEqual(["--cap-add=NET_ADMIN"]);
    expect(args.join(" ")).not.toMatch(/seccomp=unconfined|--privileged/);
    expect(args).toContain("--security-opt=seccomp=${localWorkspaceFolder}/.devcontainer/seccomp/seccomp-bwrap.json");
  });
  it("boundary mode adds nothing but NET_ADMIN", () => {
    expect(boundary.runArgs).toEqual(["--cap-add=NET_ADMIN"]);
  });
  it.each([
    ["nested", nested],
    ["boundary", boundary],
  ])("%s: protected binds, volumes, firewall on every start, non-root user", (_n, cfg) => {
    const mounts = (cfg.mounts as string[]).join("\n");
    for (const p of [".devcontainer", ".git/hooks", ".git/config"]) {
      expect(mounts).toContain(
        `source=\${localWorkspaceFolder}/${p},target=\${containerWorkspaceFolder}/${p},type=bind,readonly`,
      );
    }
    expect(mounts).toMatch(/target=\/commandhistory,type=volume/);
    expect(mounts).toMatch(/target=\/home\/cordon\/\.cordon,type=volume/);
    expect(cfg.postStartCommand).toBe("sudo /usr/local/bin/init-firewall.sh");
    expect(cfg.waitFor).toBe("postStartCommand");
    expect(cfg.init).toBe(true);
    expect(cfg.remoteUser).toBe("cordon");
    expect(cfg.containerUser).toBe("root");
    expect(cfg.updateRemoteUserUID).toBe(true);
  });
});

describe("seccomp-bwrap.json", () => {
  it("is Docker's default plus the reviewed additions, and up to date", () => {
    expect(read(".devcontainer/seccomp/seccomp-bwrap.json")).toBe(renderDerived());
  });
  it("only adds allow rules, each with a cordon comment, and keeps the base's rules", () => {
    const base = JSON.parse(readFileSync(paths.base, "utf8")) as SeccompProfile;
    const derived = JSON.parse(readFileSync(paths.derived, "utf8")) as SeccompProfile;
    expect(derived.defaultAction).toBe("SCMP_ACT_ERRNO");
    expect(derived.syscalls.slice(0, base.syscalls.length)).toEqual(base.syscalls);
    const added = derived.syscalls
      .slice(base.syscalls.length)
      .flatMap((r) => r.names)
      .sort();
    expect(added).toEqual(["clone", "mount", "pivot_root", "umount2", "unshare"]);
  });
  it("rejects an addition without a comment or with a non-allow action", () => {
    const base: SeccompProfile = { defaultAction: "SCMP_ACT_ERRNO", syscalls: [] };
    expect(() => deriveProfile(base, { syscalls: [{ names: ["bpf"], action: "SCMP_ACT_ALLOW" }] })).toThrow(
      /needs a "comment"/,
    );
    expect(() =>
      deriveProfile(base, { syscalls: [{ names: ["bpf"], action: "SCMP_ACT_LOG", comment: "cordon: x" }] }),
    ).toThrow(/only SCMP_ACT_ALLOW/);
  });
});
