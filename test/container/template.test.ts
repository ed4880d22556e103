// The cordon Template and the published Feature, the way teams get them: the
// real Dev Containers CLI packages and publishes both to an OCI registry (an
// in-memory one on localhost), applies the Template into an empty folder and
// brings up both of its configurations; a repository whose devcontainer.json
// names the published Feature (cordon init --feature) is built from the
// registry. All on the test network with the allowlist pointed at test names.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOciRegistry, type OciRegistry } from "../support/oci-registry.js";
import { pointAtTestNet, runScriptedTask, upOnTestNet } from "./support/adoption.js";
import type { DevContainer } from "./support/devcontainer.js";
import { dockerAvailable, offlineImages, type OfflineImages } from "./support/docker.js";
import { startTestNet, type TestNet } from "./support/testnet.js";
import { REPO_ROOT } from "./support/workspace.js";

const hasDocker = await dockerAvailable();
const CLI = join(REPO_ROOT, "node_modules/@devcontainers/cli/devcontainer.js");
const CORDON = join(REPO_ROOT, "dist/bundle/agent/cli/cordon.cjs");
const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { version: string };

async function cli(args: string[]) {
  const r = await execa(process.execPath, [CLI, ...args], { reject: false, timeout: 300_000 });
  expect(r.exitCode, `devcontainer ${args.join(" ")}\n${r.stderr.split("\n").slice(-20).join("\n")}`).toBe(0);
  return r.stdout;
}

describe.skipIf(!hasDocker)("the cordon Template and the published Feature", () => {
  let base = "";
  let images: OfflineImages;
  let net: TestNet;
  let registry: OciRegistry;
  let applied = "";

  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), "cordon-template-"));
    images = await offlineImages();
    net = await startTestNet(images);
    registry = await startOciRegistry();
    await cli(["features", "publish", "-r", registry.host, "-n", "cordon/features", join(REPO_ROOT, "dist/feature")]);
    await cli([
      "templates",
      "publish",
      "-r",
      registry.host,
      "-n",
      "cordon/templates",
      join(REPO_ROOT, "dist/template"),
    ]);
    applied = join(base, "from-template");
    mkdirSync(applied);
    await cli([
      "templates",
      "apply",
      "-w",
      applied,
      "-t",
      `${registry.host}/cordon/templates/cordon:latest`,
      "-a",
      JSON.stringify({
        baseImage: images.BASE_IMAGE,
        userName: "dev",
        featureRef: `${registry.host}/cordon/features/cordon:${pkg.version}`,
      }),
    ]);
    pointAtTestNet(applied);
  });
  afterAll(async () => {
    await net?.stop();
    await registry?.close();
    if (base) rmSync(base, { recursive: true, force: true });
  });

  it("packages the Feature as the spec's tarball and publishes it with its version tags", async () => {
    const out = join(base, "packaged");
    await cli(["features", "package", join(REPO_ROOT, "dist/feature"), "-o", join(out, "features")]);
    expect(readdirSync(join(out, "features")).sort()).toEqual([
      "devcontainer-collection.json",
      "devcontainer-feature-cordon.tgz",
    ]);
    const tags = (await fetch(`http://${registry.host}/v2/cordon/features/cordon/tags/list`).then((r) => r.json())) as {
      tags: string[];
    };
    expect(tags.tags.sort()).toEqual(["0", "0.1", pkg.version, "latest"].sort());
  });

  it("applies into an empty folder with its options substituted and the Feature's support files", () => {
    const cfg = readFileSync(join(applied, ".devcontainer/devcontainer.json"), "utf8");
    expect(cfg).toContain('"remoteUser": "dev"');
    expect(cfg).toContain(
      `"${registry.host}/cordon/features/cordon:${pkg.version}": { "mode": "nested", "firewall": "enforce" }`,
    );
    expect(cfg).not.toContain("templateOption");
    expect(readFileSync(join(applied, ".devcontainer/Dockerfile"), "utf8")).toContain(
      `ARG BASE_IMAGE=${images.BASE_IMAGE}`,
    );
    expect(readdirSync(join(applied, ".devcontainer/cordon")).sort()).toEqual([
      "host-prepare.sh",
      "seccomp-bwrap.json",
    ]);
    // Byte for byte what cordon init writes (templates apply rewrites every file as text).
    for (const f of ["host-prepare.sh", "seccomp-bwrap.json"])
      expect(readFileSync(join(applied, ".devcontainer/cordon", f), "utf8")).toBe(
        readFileSync(join(REPO_ROOT, "dist/feature/cordon", f), "utf8"),
      );
    expect(existsSync(join(applied, ".devcontainer/boundary/devcontainer.json"))).toBe(true);
    expect(existsSync(join(applied, ".git"))).toBe(false); // made by initializeCommand at the first up
  });

  describe.each([
    { config: ".devcontainer/devcontainer.json", agentMode: "nested sandbox", mode: "nested-sandbox" },
    {
      config: ".devcontainer/boundary/devcontainer.json",
      agentMode: "container as boundary",
      mode: "container-boundary",
    },
  ])("brought up: $config", ({ config, agentMode, mode }) => {
    let c: DevContainer;
    beforeAll(async () => {
      c = await upOnTestNet(applied, net, images, config);
    });
    afterAll(async () => {
      await c?.remove();
    });

    it("runs cordon for the non-root user behind the enforced firewall, in the configuration's mode", async () => {
      expect(existsSync(join(applied, ".git/hooks"))).toBe(true);
      const d = JSON.parse((await c.sh("cordon doctor --json", "dev")).stdout) as Record<string, unknown>;
      expect(d).toMatchObject({ agentMode, containerConfiguration: mode });
      expect((await c.sh("curl -sS -m 3 -o /dev/null http://blocked.test/", "dev")).exitCode).not.toBe(0);
      expect((await c.sh("curl -sS -m 5 -o /dev/null -w '%{http_code}' http://allowed.test/", "dev")).stdout).toBe(
        "200",
      );
      expect((await c.sh("echo x >> .devcontainer/allowlist.toml", "dev")).stderr).toMatch(/Read-only file system/);
    });
  });

  describe("a repository naming the published Feature (cordon init --feature)", () => {
    let c: DevContainer;
    let dir = "";
    beforeAll(async () => {
      dir = join(base, "published");
      mkdirSync(join(dir, ".devcontainer"), { recursive: true });
      execFileSync("git", ["init", "-q", dir]);
      execFileSync("cp", [join(applied, ".devcontainer/Dockerfile"), join(dir, ".devcontainer/Dockerfile")]);
      execFileSync(
        process.execPath,
        [CORDON, "init", "-C", dir, "--feature", `${registry.host}/cordon/features/cordon:${pkg.version}`],
        { env: { ...process.env, CORDON_HOME: join(base, "home") } },
      );
      pointAtTestNet(dir);
      registry.log.length = 0;
      c = await upOnTestNet(dir, net, images);
    });
    afterAll(async () => {
      await c?.remove();
    });

    it("builds with the Feature fetched from the registry and runs a scripted agent task", async () => {
      expect(existsSync(join(dir, ".devcontainer/cordon/install.sh"))).toBe(false);
      expect(registry.log).toContain(`GET /v2/cordon/features/cordon/manifests/${pkg.version}`);
      expect((await c.sh("cordon --version", "dev")).stdout).toBe(pkg.version);
      const r = await runScriptedTask(c, "dev");
      expect(r.exitCode, r.stderr).toBe(0);
      expect((await c.sh("cat agent-result.txt", "dev")).stdout).toBe("made-by-agent");
    });
  });
});
