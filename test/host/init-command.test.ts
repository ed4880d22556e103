// `cordon init` on sample repositories of several ecosystems: what it writes,
// --dry-run's diff, a second run that changes nothing, a hand-edited file
// left alone without --force, and a hostile folder name that adds no host.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
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
    const before = readFileSync(join(dir, ".devcontainer", "allowlist.toml"), "utf8");
    expect(init(dir)).toEqual({
      code: 0,
      out: ".devcontainer/allowlist.toml is up to date; nothing to change\n",
      err: "",
    });
    expect(readFileSync(join(dir, ".devcontainer", "allowlist.toml"), "utf8")).toBe(before);
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
});
