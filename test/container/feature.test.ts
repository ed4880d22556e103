// cordon in other teams' repositories: `cordon init` on sample repositories
// (none, a commented Dockerfile-based devcontainer.json, a commented
// image-based one), then `devcontainer up` with the cordon Feature it vendors,
// on two base images (Debian 12 and Debian 13 stand-ins), on the test network
// with the generated allowlist pointed at test names. Beside what must work
// (cordon for the non-root user, the firewall enforced, doctor's mode, a
// scripted agent task), the attacks: the base image's passwordless sudo, a Node
// the agent user could replace, a firewall start from a planted directory, a
// PID 1 the agent user owns asking for the firewall to be off.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DevContainer } from "./support/devcontainer.js";
import { docker, dockerAvailable, offlineImages, type OfflineImages } from "./support/docker.js";
import { pointAtTestNet, runScriptedTask, upOnTestNet } from "./support/adoption.js";
import { startTestNet, type TestNet } from "./support/testnet.js";
import { REPO_ROOT } from "./support/workspace.js";

const hasDocker = await dockerAvailable();
const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { version: string };
const CORDON = join(REPO_ROOT, "dist/bundle/agent/cli/cordon.cjs");
const BASE_IMAGE_TAG = "cordon-test/feature-base:13";

let base = "";
let images: OfflineImages;
let net: TestNet;

/** A git repository with these files, owned by uid 1000 (the fixtures' `dev`). */
function repo(name: string, files: Record<string, string>): string {
  const dir = join(base, name);
  mkdirSync(dir, { recursive: true });
  execFileSync("git", ["init", "-q", "-b", "main", dir]);
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(join(dir, p, ".."), { recursive: true });
    writeFileSync(join(dir, p), text);
  }
  return dir;
}

function cordonInit(dir: string, ...args: string[]): string {
  return execFileSync(process.execPath, [CORDON, "init", "-C", dir, ...args], {
    encoding: "utf8",
    env: { ...process.env, CORDON_HOME: join(base, "home") },
  });
}

describe.skipIf(!hasDocker)("cordon in other repositories: cordon init + the cordon Feature", () => {
  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), "cordon-feature-"));
    images = await offlineImages();
    net = await startTestNet(images);
    // The image-based fixture's image: Debian 13 with a user, as a team's own base image would be.
    const ctx = join(base, "base-image");
    mkdirSync(ctx);
    writeFileSync(join(ctx, "Dockerfile"), `FROM ${images.TRIXIE_IMAGE}\nRUN useradd -m -s /bin/bash -u 1000 dev\n`);
    const b = await docker(["build", "-q", "-t", BASE_IMAGE_TAG, ctx], { timeout: 600_000 });
    if (b.exitCode !== 0) throw new Error(`building ${BASE_IMAGE_TAG} failed: ${b.stderr}`);
  });
  afterAll(async () => {
    await net?.stop();
    await docker(["rmi", BASE_IMAGE_TAG]);
    if (base) rmSync(base, { recursive: true, force: true });
  });

  describe("a repository with no dev container: nested mode on Debian 12", () => {
    let dir = "";
    let c: DevContainer;
    let initOut = "";

    beforeAll(async () => {
      dir = repo("no-devcontainer", { "package-lock.json": "{}", "package.json": "{}" });
      initOut = cordonInit(dir);
      pointAtTestNet(dir);
      // Attack: a Node 22 on the user's PATH that the user owns (as nvm-style installs do): the
      // firewall start runs cordon's Node as root, so the Feature must not pick this one.
      writeFileSync(
        join(dir, ".devcontainer/Dockerfile"),
        readFileSync(join(dir, ".devcontainer/Dockerfile"), "utf8") +
          `COPY --from=${images.NODE_IMAGE} /usr/local/bin/node /home/dev/.local/bin/node\n` +
          "RUN chown -R dev /home/dev/.local\nENV PATH=/home/dev/.local/bin:$PATH\n",
      );
      c = await upOnTestNet(dir, net, images);
    });
    afterAll(async () => {
      await c?.remove();
    });

    it("cordon init wrote the Feature, the nested runArgs and an npm allowlist", () => {
      expect(initOut).toMatch(/^cordon init \(nested mode\) wrote: .*\.devcontainer\/cordon\/cordon\.tgz/);
      expect(initOut).toContain("npm registry (Node.js packages) (package-lock.json, package.json)");
    });

    it("installs cordon for the non-root user, with cordon's own Node rather than the user's", async () => {
      const r = await c.sh(
        "cordon --version; id -un; readlink -f /usr/local/lib/cordon/bin/node; cat /usr/local/share/cordon/feature.env",
        "dev",
      );
      expect(r.stdout.split("\n")).toEqual([
        pkg.version,
        "dev",
        "/usr/local/lib/cordon/runtime/bin/node",
        "CORDON_CONTAINER_MODE=nested-sandbox",
        "CORDON_FIREWALL_MODE=enforce",
        "CORDON_ALLOWLIST=/usr/local/share/cordon/workspace/.devcontainer/allowlist.toml",
        "CORDON_NODE=/usr/local/lib/cordon/bin/node",
      ]);
      // The twin: the user's own Node is there and is what the user's shell finds.
      expect((await c.sh("command -v node", "dev")).stdout.trim()).toBe("/home/dev/.local/bin/node");
    });

    it("enforces the generated allowlist (pointed at test names) from the first start", async () => {
      const ok = await c.sh("curl -sS -m 5 -o /dev/null -w '%{http_code}' http://allowed.test/", "dev");
      expect(ok.stdout).toBe("200");
      const blocked = await c.sh("curl -sS -m 3 -o /dev/null http://blocked.test/", "dev");
      expect(blocked.exitCode).not.toBe(0);
      const st = await c.sh("cordon firewall status", "dev");
      expect(st.stdout).toMatch(/^firewall: active \(allowlist enforced\)/);
      expect(st.stdout).toMatch(/allowed\.test: 198\.51\.100\.10/);
    });

    it("reports the nested sandbox in doctor and runs a scripted agent task inside it", async () => {
      const d = JSON.parse((await c.sh("cordon doctor --json", "dev")).stdout) as Record<string, unknown>;
      expect(d).toMatchObject({
        agentMode: "nested sandbox",
        containerConfiguration: "nested-sandbox",
        procMount: true,
      });
      const r = await runScriptedTask(c, "dev");
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.requests).toHaveLength(2);
      expect(r.requests[1]).toContain("made-by-agent");
      expect((await c.sh("cat agent-result.txt", "dev")).stdout).toBe("made-by-agent");
    });

    it("leaves the agent user no sudo but the firewall start, even though the base image gave it all", async () => {
      expect((await c.sh("sudo -n true", "dev")).exitCode).not.toBe(0);
      const l = await c.sh("sudo -n -l", "dev");
      expect(l.stdout).toMatch(/\(root\) NOPASSWD: \/usr\/local\/bin\/init-firewall\.sh ""/);
      expect(l.stdout.match(/NOPASSWD/g)).toHaveLength(1);
      // The twin: the firewall start itself still works for the user.
      expect((await c.sh("sudo -n /usr/local/bin/init-firewall.sh", "dev")).exitCode).toBe(0);
    });

    it("reads the allowlist from the read-only .devcontainer, not from wherever the caller stands", async () => {
      for (const f of [".devcontainer/allowlist.toml", ".devcontainer/cordon/install.sh", ".git/hooks/pre-commit"]) {
        const w = await c.sh(`echo x >> ${f}`, "dev");
        expect(w.stderr, f).toMatch(/Read-only file system/);
      }
      const planted = await c.sh(
        "mkdir -p /tmp/evil/.devcontainer && printf 'version = 1\\n[allow]\\nnames = [\"blocked.test\"]\\n' > /tmp/evil/.devcontainer/allowlist.toml && " +
          "cd /tmp/evil && sudo -n /usr/local/bin/init-firewall.sh >/dev/null 2>&1; curl -sS -m 3 -o /dev/null http://blocked.test/",
        "dev",
      );
      expect(planted.exitCode).not.toBe(0);
      expect((await c.sh("cordon firewall status", "dev")).stdout).not.toMatch(/blocked\.test/);
    });
  });

  describe("a commented, Dockerfile-based devcontainer.json: boundary mode on Debian 13 with the image's Node", () => {
    let dir = "";
    let c: DevContainer;
    const CONFIG = `// The team's dev container.
{
  "name": "team",
  "build": { "dockerfile": "Dockerfile" }, // our own image
  "remoteUser": "dev",
  // Attack: PID 1 runs as dev (USER dev below), so its environment is the agent user's to
  // rewrite; the firewall start must not take "off" from it.
  "containerEnv": { "CORDON_FIREWALL_MODE": "off" }
}
`;

    beforeAll(async () => {
      dir = repo("dockerfile-config", {
        ".devcontainer/devcontainer.json": CONFIG,
        ".devcontainer/Dockerfile":
          `FROM ${images.TRIXIE_IMAGE}\n` +
          `COPY --from=${images.NODE_IMAGE} /usr/local/bin/node /usr/local/bin/node\n` +
          "RUN useradd -m -s /bin/bash -u 1000 dev && mkdir -p /etc/sudoers.d && echo 'dev ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/90-dev\n" +
          "USER dev\n",
        "pyproject.toml": "[project]\n",
      });
      cordonInit(dir, "--mode", "boundary");
      pointAtTestNet(dir);
      c = await upOnTestNet(dir, net, images);
    });
    afterAll(async () => {
      await c?.remove();
    });

    it("kept the team's comments and settings, and added the Feature in boundary mode", () => {
      const text = readFileSync(join(dir, ".devcontainer/devcontainer.json"), "utf8");
      expect(text).toContain("// The team's dev container.");
      expect(text).toContain('"build": { "dockerfile": "Dockerfile" }, // our own image');
      expect(text).toMatch(/"\.\/cordon": \{\s*"mode": "boundary"\s*\}/);
      expect(text).not.toContain("seccomp-bwrap.json");
    });

    it("uses the image's root-owned Node and reports the container as the boundary", async () => {
      const r = await c.sh("readlink -f /usr/local/lib/cordon/bin/node; cordon --version", "dev");
      expect(r.stdout.split("\n")).toEqual(["/usr/local/bin/node", pkg.version]);
      const d = JSON.parse((await c.sh("cordon doctor --json", "dev")).stdout) as Record<string, unknown>;
      expect(d).toMatchObject({ agentMode: "container as boundary", containerConfiguration: "container-boundary" });
    });

    it("enforces the firewall although PID 1, owned by the agent user, says off", async () => {
      expect((await c.sh("stat -c %U /proc/1", "root")).stdout.trim()).toBe("dev");
      const start = await c.sh("sudo -n /usr/local/bin/init-firewall.sh", "dev");
      expect(start.exitCode, start.stderr).toBe(0);
      expect(start.stderr).toContain("PID 1 does not run as root; its environment is ignored");
      expect(start.stderr).not.toContain("DISABLED");
      expect((await c.sh("curl -sS -m 3 -o /dev/null http://blocked.test/", "dev")).exitCode).not.toBe(0);
      const ok = await c.sh("curl -sS -m 5 -o /dev/null -w '%{http_code}' http://allowed.test/", "dev");
      expect(ok.stdout).toBe("200");
      expect((await c.sh("sudo -n true", "dev")).exitCode).not.toBe(0);
    });

    it("runs a scripted agent task with the container as the sandbox", async () => {
      const r = await runScriptedTask(c, "dev");
      expect(r.exitCode, r.stderr).toBe(0);
      expect((await c.sh("cat agent-result.txt", "dev")).stdout).toBe("made-by-agent");
    });
  });

  describe("a commented, image-based devcontainer.json: nested mode on the team's Debian 13 image", () => {
    let dir = "";
    let c: DevContainer;

    beforeAll(async () => {
      dir = repo("image-config", {
        ".devcontainer/devcontainer.json": `{\n\t// prebuilt by CI\n\t"image": "${BASE_IMAGE_TAG}",\n\t"remoteUser": "dev"\n}\n`,
        "go.mod": "module x\n",
      });
      cordonInit(dir);
      pointAtTestNet(dir);
      c = await upOnTestNet(dir, net, images);
    });
    afterAll(async () => {
      await c?.remove();
    });

    it("runs cordon's nested sandbox behind the enforced firewall", async () => {
      expect(readFileSync(join(dir, ".devcontainer/devcontainer.json"), "utf8")).toContain("\t// prebuilt by CI");
      const d = JSON.parse((await c.sh("cordon doctor --json", "dev")).stdout) as Record<string, unknown>;
      expect(d).toMatchObject({ agentMode: "nested sandbox", containerConfiguration: "nested-sandbox" });
      const r = await c.sh(
        "cordon sandbox -- bash -c 'echo in > in-ws.txt; touch /home/dev/out 2>&1; cat in-ws.txt'",
        "dev",
      );
      expect(r.stdout).toMatch(/Read-only file system/);
      expect(r.stdout).toMatch(/^in$/m);
      expect((await c.sh("curl -sS -m 3 -o /dev/null http://blocked.test/", "dev")).exitCode).not.toBe(0);
      expect((await c.sh("curl -sS -m 5 -o /dev/null -w '%{http_code}' http://allowed.test/", "dev")).stdout).toBe(
        "200",
      );
    });
  });
});
