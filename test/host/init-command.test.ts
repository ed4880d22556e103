// `cordon init` on sample repositories of several ecosystems: what it writes,
// --dry-run's diff, a second run that changes nothing, a hand-edited file
// left alone without --force, and a hostile folder name that adds no host;
// devcontainer.json merged with its comments kept (image-, Dockerfile-based
// and none), read back through the real Dev Containers CLI.
import { execFileSync, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllowlist } from "../../firewall/allowlist-load.js";

const ENTRY = new URL("../../dist/bundle/agent/cli/cordon.cjs", import.meta.url).pathname;
let base = "";
beforeAll(() => {
  base = mkdtempSync("/var/tmp/cordon-init-");
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

function repo(name: string, files: Record<string, string>): string {
  const dir = join(base, name);
  mkdirSync(dir, { recursive: true });
  execFileSync("git", ["init", "-q", dir]);
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(join(dir, p, ".."), { recursive: true });
    writeFileSync(join(dir, p), text);
  }
  return dir;
}
const init = (cwd: string, ...args: string[]) => {
  const r = spawnSync(process.execPath, [ENTRY, "init", ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, CORDON_HOME: join(base, "home") },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
/** Every file under .devcontainer with its bytes. */
const snapshot = (dir: string) =>
  Object.fromEntries(
    readdirSync(join(dir, ".devcontainer"), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => [
        relative(dir, join(e.parentPath, e.name)),
        readFileSync(join(e.parentPath, e.name)).toString("base64"),
      ]),
  );
const CLI = new URL("../../node_modules/@devcontainers/cli/devcontainer.js", import.meta.url).pathname;
/** The configuration as the Dev Containers CLI reads it (variables substituted, Features listed). */
function readConfiguration(dir: string) {
  const r = spawnSync(process.execPath, [CLI, "read-configuration", "--workspace-folder", dir, "--log-level", "info"], {
    encoding: "utf8",
  });
  expect(r.status, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { configuration: Record<string, unknown> }).configuration;
}
const SECCOMP_ARG = (dir: string) => `--security-opt=seccomp=${dir}/.devcontainer/cordon/seccomp-bwrap.json`;
const names = (dir: string) =>
  parseAllowlist(readFileSync(join(dir, ".devcontainer", "allowlist.toml"), "utf8"), "allowlist.toml").allow.names;

describe("cordon init", () => {
  it("writes the registries a Node + Python repository needs; a second run changes nothing", () => {
    const dir = repo("node-py", {
      "package-lock.json": "{}",
      "package.json": "{}",
      "api/requirements.txt": "flask\n",
      "node_modules/x/go.mod": "",
    });
    const dry = init(dir, "--dry-run");
    expect(dry.code).toBe(0);
    expect(dry.out).toMatch(
      /^Index: \.devcontainer\/allowlist\.toml\n=+\n--- \.devcontainer\/allowlist\.toml\tnow\n\+\+\+ \.devcontainer\/allowlist\.toml\tcordon init\n/,
    );
    expect(dry.out).toContain('+  "registry.npmjs.org",');
    expect(existsSync(join(dir, ".devcontainer", "allowlist.toml"))).toBe(false);
    const first = init(dir);
    expect(first.code).toBe(0);
    expect(first.out).toContain(
      "npm registry (Node.js packages) (package-lock.json, package.json); PyPI (Python packages) (api/requirements.txt)",
    );
    expect(names(dir)).toEqual(
      expect.arrayContaining(["registry.npmjs.org", "pypi.org", "files.pythonhosted.org", "api.openai.com"]),
    );
    expect(names(dir)).not.toContain("proxy.golang.org"); // node_modules is not the repository's
    const before = snapshot(dir);
    expect(init(dir)).toEqual({
      code: 0,
      out: ".devcontainer is up to date (cordon, nested mode); nothing to change\n",
      err: "",
    });
    expect(snapshot(dir)).toEqual(before);
  });

  it("refreshes its own output when the repository changes, and leaves a hand-edited file alone without --force", () => {
    const dir = repo("go-rust", { "go.mod": "module x\n" });
    expect(init(dir).code).toBe(0);
    writeFileSync(join(dir, "Cargo.toml"), "[package]\n");
    expect(init(dir).code).toBe(0); // unedited output: refreshed
    expect(names(dir)).toEqual(expect.arrayContaining(["proxy.golang.org", "crates.io"]));
    const file = join(dir, ".devcontainer", "allowlist.toml");
    const edited = readFileSync(file, "utf8").replace('"crates.io",', '"crates.io",\n  "internal.example.test",');
    writeFileSync(file, edited);
    writeFileSync(join(dir, "Gemfile"), "");
    const refused = init(dir);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain(
      ".devcontainer/allowlist.toml was edited by hand (or not written by cordon init); nothing changed.",
    );
    expect(readFileSync(file, "utf8")).toBe(edited);
    const dry = init(dir, "--dry-run");
    expect(dry.out).toContain('-  "internal.example.test",');
    expect(dry.err).toContain("writing it needs --force");
    expect(init(dir, "--force").code).toBe(0);
    expect(names(dir)).toContain("rubygems.org");
  });

  it("a folder named to smuggle a host into the allowlist adds nothing", () => {
    const dir = repo("hostile", {});
    const evil = join(dir, 'x\n  "attacker.example",\n#');
    mkdirSync(evil);
    writeFileSync(join(evil, "package.json"), "{}");
    expect(init(dir).code).toBe(0);
    expect(names(dir)).not.toContain("attacker.example");
    expect(names(dir)).toContain("registry.npmjs.org");
  });

  it("writes a dev container to a repository that has none: the Feature with this cordon, a Dockerfile, nested mode", () => {
    const dir = repo("fresh", { "go.mod": "module x\n" });
    const dry = init(dir, "--dry-run");
    expect(dry.code).toBe(0);
    expect(dry.out).toMatch(/^New \.devcontainer\/cordon\/cordon\.tgz: cordon \d+\.\d+\.\d+'s Feature \(\d+ bytes\)$/m);
    expect(dry.out).toContain('+  "remoteUser": "dev",');
    expect(existsSync(join(dir, ".devcontainer"))).toBe(false);
    const r = init(dir);
    expect(r.code, r.err).toBe(0);
    expect(Object.keys(snapshot(dir)).sort()).toEqual([
      ".devcontainer/Dockerfile",
      ".devcontainer/allowlist.toml",
      ".devcontainer/cordon/cordon.tgz",
      ".devcontainer/cordon/devcontainer-feature.json",
      ".devcontainer/cordon/host-prepare.sh",
      ".devcontainer/cordon/install.sh",
      ".devcontainer/cordon/seccomp-bwrap.json",
      ".devcontainer/devcontainer.json",
    ]);
    expect(statSync(join(dir, ".devcontainer/cordon/install.sh")).mode & 0o111).toBe(0o111);
    // The Feature is the one this cordon was built with, byte for byte.
    const built = new URL("../../dist/feature/cordon/", import.meta.url).pathname;
    for (const f of readdirSync(built))
      expect(readFileSync(join(dir, ".devcontainer/cordon", f)).equals(readFileSync(join(built, f))), f).toBe(true);
    const cfg = readConfiguration(dir);
    expect(cfg).toMatchObject({
      remoteUser: "dev",
      features: { "./cordon": { mode: "nested" } },
      runArgs: [SECCOMP_ARG(dir), "--security-opt=systempaths=unconfined", "--security-opt=apparmor=unconfined"],
    });
    const before = snapshot(dir);
    expect(init(dir).out).toBe(".devcontainer is up to date (cordon, nested mode); nothing to change\n");
    expect(snapshot(dir)).toEqual(before);
  });

  const COMMENTED = `// Our team's dev container.
{
\t// Python 3 on Debian.
\t"image": "cordon-offline/debian:12",
\t"remoteUser": "vscode", // the image's user
\t"runArgs": ["--security-opt=seccomp=unconfined", "--hostname=dev"],
\t"features": {
\t\t"ghcr.io/devcontainers/features/git:1": {}, // trailing comma below
\t},
}
`;

  it("merges an existing commented devcontainer.json: comments, tabs and settings kept; --mode switches; twice changes nothing", () => {
    const dir = repo("commented", { ".devcontainer/devcontainer.json": COMMENTED, "pyproject.toml": "" });
    const r = init(dir);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toBe(
      "note: runArgs: replaced --security-opt=seccomp=unconfined with cordon's seccomp profile (Docker's default plus what bwrap needs)\n",
    );
    const text = readFileSync(join(dir, ".devcontainer/devcontainer.json"), "utf8");
    expect(text).toBe(`// Our team's dev container.
{
\t"initializeCommand": "sh .devcontainer/cordon/host-prepare.sh",
\t// Python 3 on Debian.
\t"image": "cordon-offline/debian:12",
\t"remoteUser": "vscode", // the image's user
\t"runArgs": [
\t\t"--security-opt=seccomp=\${localWorkspaceFolder}/.devcontainer/cordon/seccomp-bwrap.json",
\t\t"--security-opt=systempaths=unconfined",
\t\t"--security-opt=apparmor=unconfined",
\t\t"--hostname=dev"
\t],
\t"features": {
\t\t"./cordon": {
\t\t\t"mode": "nested"
\t\t},
\t\t"ghcr.io/devcontainers/features/git:1": {}, // trailing comma below
\t},
}
`);
    expect(names(dir)).toEqual(expect.arrayContaining(["pypi.org"]));
    expect(init(dir).out).toBe(".devcontainer is up to date (cordon, nested mode); nothing to change\n");

    const b = init(dir, "--mode", "boundary");
    expect(b.code, b.err).toBe(0);
    const cfg = readConfiguration(dir);
    expect(cfg.runArgs).toEqual(["--hostname=dev"]);
    expect(cfg.features).toEqual({ "./cordon": { mode: "boundary" }, "ghcr.io/devcontainers/features/git:1": {} });
    // The mode is remembered: a plain second run keeps boundary.
    expect(init(dir).out).toBe(".devcontainer is up to date (cordon, boundary mode); nothing to change\n");
  });

  it("adds the Feature to a Dockerfile-based configuration and keeps its build", () => {
    const dir = repo("dockerfile", {
      ".devcontainer/devcontainer.json": '{\n  "build": { "dockerfile": "Dockerfile" },\n  "remoteUser": "dev"\n}\n',
      ".devcontainer/Dockerfile": "FROM cordon-offline/debian:12\nRUN useradd -m dev\n",
      Gemfile: "",
    });
    expect(init(dir).code).toBe(0);
    expect(readFileSync(join(dir, ".devcontainer/Dockerfile"), "utf8")).toBe(
      "FROM cordon-offline/debian:12\nRUN useradd -m dev\n",
    );
    expect(readConfiguration(dir)).toMatchObject({
      build: { dockerfile: "Dockerfile" },
      features: { "./cordon": { mode: "nested" } },
    });
  });

  it("refuses bad input with the file, line and value named, and writes nothing at all", () => {
    const broken = repo("broken", {
      ".devcontainer/devcontainer.json": '{\n  "image": "x",\n  "runArgs" ["--init"]\n}\n',
    });
    const r = init(broken);
    expect(r.code).toBe(2);
    expect(r.err).toContain(
      ".devcontainer/devcontainer.json: not valid JSON with comments at line 3, column 13 (ColonExpected); nothing changed",
    );
    expect(Object.keys(snapshot(broken))).toEqual([".devcontainer/devcontainer.json"]); // no allowlist, no Feature

    const rootFile = repo("root-file", { ".devcontainer.json": "{}" });
    const m = init(rootFile);
    expect(m.code).toBe(2);
    expect(m.err).toContain("git mv .devcontainer.json .devcontainer/devcontainer.json");
    expect(existsSync(join(rootFile, ".devcontainer"))).toBe(false);

    const mode = init(repo("bad-mode", {}), "--mode", "sandboxed");
    expect(mode).toMatchObject({ code: 2, err: expect.stringContaining("--mode sandboxed: use nested") });
  });

  it("warns about a root or missing remoteUser and a privileged container", () => {
    const dir = repo("privileged", { ".devcontainer/devcontainer.json": '{ "image": "x", "privileged": true }' });
    const r = init(dir);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/runs the container privileged: the agent could remove the firewall/);
    expect(r.err).toMatch(/sets no non-root "remoteUser": the cordon Feature refuses to build without one/);
  });

  it("references a published Feature with --feature and then writes only the seccomp profile beside it", () => {
    const dir = repo("published", {});
    expect(init(dir, "--feature", "ghcr.io/acme/features/cordon:0.1").code).toBe(0);
    expect(existsSync(join(dir, ".devcontainer/cordon/install.sh"))).toBe(false);
    expect(existsSync(join(dir, ".devcontainer/cordon/seccomp-bwrap.json"))).toBe(true);
    expect(existsSync(join(dir, ".devcontainer/cordon/host-prepare.sh"))).toBe(true);
    expect(readConfiguration(dir).features).toEqual({ "ghcr.io/acme/features/cordon:0.1": { mode: "nested" } });
    // Found again by its name on the next run: not added twice.
    expect(init(dir, "--mode", "boundary").code).toBe(0);
    expect(readConfiguration(dir).features).toEqual({ "ghcr.io/acme/features/cordon:0.1": { mode: "boundary" } });
  });
});
