// Which package registries a repository needs, from the files it has: each
// ecosystem names the files that show it and the hosts its tools fetch from.
// Pure: the repository's relative file paths come in.

export interface Ecosystem {
  id: string;
  label: string;
  /** Host names the firewall must allow for this ecosystem's tools. */
  names: string[];
  /** Which of the repository's files showed it (relative paths, first few). */
  because: string[];
}

interface Rule {
  id: string;
  label: string;
  names: string[];
  /** Base names (any directory) that show the ecosystem. */
  files: RegExp;
  /** Extra names when a specific file is present. */
  extra?: { file: RegExp; names: string[] }[];
}

const RULES: Rule[] = [
  {
    id: "npm",
    label: "npm registry (Node.js packages)",
    names: ["registry.npmjs.org"],
    files: /^(package-lock\.json|npm-shrinkwrap\.json|pnpm-lock\.yaml|yarn\.lock|package\.json)$/,
    extra: [{ file: /^yarn\.lock$/, names: ["registry.yarnpkg.com"] }],
  },
  {
    id: "pypi",
    label: "PyPI (Python packages)",
    names: ["pypi.org", "files.pythonhosted.org"],
    files: /^(pyproject\.toml|requirements.*\.txt|setup\.py|setup\.cfg|Pipfile|Pipfile\.lock|poetry\.lock|uv\.lock)$/,
  },
  {
    id: "go",
    label: "Go module proxy and checksum database",
    names: ["proxy.golang.org", "sum.golang.org"],
    files: /^go\.(mod|sum)$/,
  },
  {
    id: "cargo",
    label: "crates.io (Rust crates)",
    names: ["crates.io", "index.crates.io", "static.crates.io"],
    files: /^Cargo\.(toml|lock)$/,
  },
  {
    id: "rubygems",
    label: "RubyGems",
    names: ["rubygems.org", "index.rubygems.org"],
    files: /^(Gemfile|Gemfile\.lock|.*\.gemspec)$/,
  },
  {
    id: "maven",
    label: "Maven Central (Java packages)",
    names: ["repo.maven.apache.org", "repo1.maven.org"],
    files: /^(pom\.xml|build\.gradle|build\.gradle\.kts|settings\.gradle|settings\.gradle\.kts|gradlew)$/,
    extra: [
      {
        file: /^(build\.gradle(\.kts)?|settings\.gradle(\.kts)?|gradlew)$/,
        names: ["plugins.gradle.org", "services.gradle.org"],
      },
    ],
  },
];

const base = (p: string) => p.split("/").pop() ?? p;

/** The ecosystems the files show, in a fixed order, each with up to three files as the reason. */
export function detectEcosystems(files: string[]): Ecosystem[] {
  const sorted = [...files].sort((a, b) => a.split("/").length - b.split("/").length || a.localeCompare(b));
  const out: Ecosystem[] = [];
  for (const r of RULES) {
    const hits = sorted.filter((f) => r.files.test(base(f)));
    if (!hits.length) continue;
    const names = [...r.names];
    for (const x of r.extra ?? []) if (hits.some((f) => x.file.test(base(f)))) names.push(...x.names);
    out.push({ id: r.id, label: r.label, names, because: hits.slice(0, 3) });
  }
  return out;
}
