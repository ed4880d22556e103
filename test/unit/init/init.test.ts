// cordon init's pure parts: which registries a repository's files show, the
// allowlist text (valid, commented, marked), and its hand-edit detection.
import { describe, expect, it } from "vitest";
import { parseAllowlist } from "../../../firewall/allowlist-load.js";
import { allowlistText, isUntouchedOutput } from "../../../agent/init/allowlist-text.js";
import { detectEcosystems } from "../../../agent/init/ecosystems.js";

describe("detecting ecosystems", () => {
  it("names each one found, with the files that show it, in a fixed order", () =>
    expect(
      detectEcosystems([
        "README.md",
        "web/package.json",
        "yarn.lock",
        "api/pyproject.toml",
        "tools/go.mod",
        "Cargo.toml",
        "Gemfile",
        "android/build.gradle.kts",
        "src/main.rs",
      ]),
    ).toEqual([
      {
        id: "npm",
        label: "npm registry (Node.js packages)",
        names: ["registry.npmjs.org", "registry.yarnpkg.com"],
        because: ["yarn.lock", "web/package.json"],
      },
      {
        id: "pypi",
        label: "PyPI (Python packages)",
        names: ["pypi.org", "files.pythonhosted.org"],
        because: ["api/pyproject.toml"],
      },
      {
        id: "go",
        label: "Go module proxy and checksum database",
        names: ["proxy.golang.org", "sum.golang.org"],
        because: ["tools/go.mod"],
      },
      {
        id: "cargo",
        label: "crates.io (Rust crates)",
        names: ["crates.io", "index.crates.io", "static.crates.io"],
        because: ["Cargo.toml"],
      },
      { id: "rubygems", label: "RubyGems", names: ["rubygems.org", "index.rubygems.org"], because: ["Gemfile"] },
      {
        id: "maven",
        label: "Maven Central (Java packages)",
        names: ["repo.maven.apache.org", "repo1.maven.org", "plugins.gradle.org", "services.gradle.org"],
        because: ["android/build.gradle.kts"],
      },
    ]));
  it("finds nothing in a repository without package files", () =>
    expect(detectEcosystems(["README.md", "main.c"])).toEqual([]));
  it("reads requirements files by pattern and pom.xml without Gradle's hosts", () => {
    expect(detectEcosystems(["requirements-dev.txt"]).map((e) => e.id)).toEqual(["pypi"]);
    expect(detectEcosystems(["pom.xml"])[0]?.names).toEqual(["repo.maven.apache.org", "repo1.maven.org"]);
  });
});

describe("the allowlist text", () => {
  const text = allowlistText(detectEcosystems(["package-lock.json", "go.mod"]));
  it("is an allowlist the firewall accepts, with the always-needed names and the detected ones", () => {
    const a = parseAllowlist(text, "allowlist.toml");
    expect(a.allow.names).toEqual([
      "api.openai.com",
      "auth.openai.com",
      "github.com",
      "api.github.com",
      "codeload.github.com",
      "objects.githubusercontent.com",
      "update.code.visualstudio.com",
      "marketplace.visualstudio.com",
      "registry.npmjs.org",
      "proxy.golang.org",
      "sum.golang.org",
    ]);
    expect(text).toContain("  # npm registry (Node.js packages): package-lock.json\n");
  });
  it("knows its own unedited output from an edited file or another one", () => {
    expect(isUntouchedOutput(text)).toBe(true);
    expect(isUntouchedOutput(text.replace('"sum.golang.org",', '"sum.golang.org",\n  "example.test",'))).toBe(false);
    expect(isUntouchedOutput(`${text}# a note\n`)).toBe(false);
    expect(isUntouchedOutput('version = 1\n[allow]\nnames = ["a.test"]\n')).toBe(false);
  });
  it("a folder named to inject a host through the reason comment adds nothing", () => {
    const evil = allowlistText(detectEcosystems(['x\n  "attacker.example",\n#/package.json']));
    expect(parseAllowlist(evil, "allowlist.toml").allow.names).not.toContain("attacker.example");
    expect(evil).toContain('  # npm registry (Node.js packages): x?  "attacker.example",?#/package.json\n');
  });
});
