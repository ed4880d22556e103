// Bundles the CLI and the firewall bring-up into a few ESM files with
// esbuild: loading hundreds of small modules dominated start-up time.
// Lazily imported subcommands stay separate chunks (code splitting).
import { build } from "esbuild";
import { createHash } from "node:crypto";
import {
  chmodSync,
  copyFileSync,
  cpSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { create as createTar } from "tar";

// A fresh output folder: chunks of earlier builds would otherwise pile up and ship.
rmSync("dist/bundle", { recursive: true, force: true });
rmSync("dist/feature", { recursive: true, force: true });
rmSync("dist/template", { recursive: true, force: true });

await build({
  entryPoints: [
    "agent/cli/main.ts",
    "firewall/bring-up-main.ts",
    "firewall/dns-refresher/supervisor-main.ts",
    "firewall/dns-refresher/daemon-main.ts",
  ],
  outdir: "dist/bundle",
  outbase: ".",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  sourcemap: false,
  logLevel: "warning",
  // jsonc-parser's "main" is a UMD build whose lazy require()s esbuild cannot follow; its ESM build bundles.
  alias: { "jsonc-parser": "jsonc-parser/lib/esm/main.js" },
  // The version is known at build time: `cordon --version` then reads no file.
  define: { __CORDON_VERSION__: JSON.stringify(JSON.parse(readFileSync("package.json", "utf8")).version) },
  // Some dependencies are CommonJS and call require(); give ESM chunks one.
  banner: {
    js: "import { createRequire as __cordonCreateRequire } from 'node:module'; const require = __cordonCreateRequire(import.meta.url);",
  },
});
chmodSync("dist/bundle/agent/cli/main.js", 0o755);
// `cordon sandbox` once more, as one CommonJS file with all it uses (sandbox-main.ts): no ESM
// loader, no chunks. Its name carries a hash of its content, which keys its code cache (cordon.cjs).
await build({
  entryPoints: ["agent/cli/sandbox-main.ts"],
  outfile: "dist/bundle/agent/cli/sandbox.cjs",
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  sourcemap: false,
  logLevel: "warning",
  alias: { "jsonc-parser": "jsonc-parser/lib/esm/main.js" },
  define: {
    __CORDON_VERSION__: JSON.stringify(JSON.parse(readFileSync("package.json", "utf8")).version),
    "import.meta.url": "__cordonModuleUrl",
  },
  banner: { js: 'const __cordonModuleUrl = require("node:url").pathToFileURL(__filename).href;' },
});
const sandboxCode = readFileSync("dist/bundle/agent/cli/sandbox.cjs");
const sandboxFile = `sandbox-${createHash("sha256").update(sandboxCode).digest("hex").slice(0, 16)}.cjs`;
renameSync("dist/bundle/agent/cli/sandbox.cjs", `dist/bundle/agent/cli/${sandboxFile}`);
// The command's entry is CommonJS: `cordon --version` then never starts Node's ESM loader (about a
// quarter of a bare start-up). `cordon sandbox` runs its one file through vm.Script with V8's code
// cache: compiled as it ran last time, the functions compiled on first call included (Node's own
// compile cache keeps only what compiles up front, and esbuild's module wrappers compile on call).
// V8 checks a cache's header (its version and flags, the source's length), not its bytes, so the
// cache is written whole (temp + rename) and lives in cordon's home, which no sandbox can reach;
// never in a shared /tmp, where a sandboxed command could plant code cordon would then run outside
// the sandbox. It is keyed by the file's content (the hash in its name), Node's version and the
// architecture; a cache V8 refuses is written anew.
// Everything else goes on to the ESM bundle.
const version = JSON.parse(readFileSync("package.json", "utf8")).version;
writeFileSync(
  "dist/bundle/agent/cli/cordon.cjs",
  `#!/usr/bin/env node
"use strict";
const a = process.argv;
if (a.length === 3 && (a[2] === "--version" || a[2] === "-V")) process.stdout.write(${JSON.stringify(`${version}
`)});
else if (a[2] === "sandbox") {
  const fs = require("node:fs");
  const { join } = require("node:path");
  const vm = require("node:vm");
  const Module = require("node:module");
  const file = join(__dirname, ${JSON.stringify(sandboxFile)});
  const dir = join(process.env.CORDON_HOME ?? join(require("node:os").homedir(), ".cordon"), "cache", "code");
  const cacheFile = join(dir, \`${sandboxFile}-\${process.version}-\${process.arch}.v8\`);
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {}
  const script = new vm.Script(Module.wrap(fs.readFileSync(file, "utf8")), { filename: file, cachedData });
  if (!cachedData || script.cachedDataRejected)
    process.once("exit", () => {
      const tmp = \`\${cacheFile}.\${process.pid}\`;
      try {
        fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
        fs.writeFileSync(tmp, script.createCachedData(), { mode: 0o600 });
        fs.renameSync(tmp, cacheFile);
        // Caches of other builds (an upgrade, another Node) are not used again: one is kept.
        for (const f of fs.readdirSync(dir))
          if (f.startsWith("sandbox-") && f.endsWith(".v8") && join(dir, f) !== cacheFile)
            fs.rmSync(join(dir, f), { force: true });
      } catch {
        try {
          fs.rmSync(tmp, { force: true });
        } catch {}
      }
    });
  const m = { exports: {} };
  script.runInThisContext()(m.exports, Module.createRequire(file), m, file, __dirname);
  m.exports.sandboxMain(join(__dirname, "main.js"));
} else import("./main.js");
`,
  { mode: 0o755 },
);
// The bash grammar and tree-sitter's runtime are WASM files loaded at run time
// (agent/approvals/bash-parser.ts looks in dist/bundle/wasm first): the image
// ships dist/bundle alone.
const require = createRequire(import.meta.url);
mkdirSync("dist/bundle/wasm", { recursive: true });
for (const [pkgPath, name] of [
  ["web-tree-sitter/tree-sitter.wasm", "tree-sitter.wasm"],
  ["tree-sitter-bash/tree-sitter-bash.wasm", "tree-sitter-bash.wasm"],
]) {
  copyFileSync(require.resolve(pkgPath), `dist/bundle/wasm/${name}`);
}

// The Dev Container Feature (features/src/cordon) with this build inside: install.sh unpacks
// cordon.tgz (package.json + dist/bundle). The firewall entry point travels in the bundle.
mkdirSync("dist/bundle/feature", { recursive: true });
copyFileSync(".devcontainer/init-firewall.sh", "dist/bundle/feature/init-firewall.sh");
chmodSync("dist/bundle/feature/init-firewall.sh", 0o755);
const featureDir = "dist/feature/cordon";
mkdirSync(featureDir, { recursive: true });
for (const f of readdirSync("features/src/cordon")) copyFileSync(`features/src/cordon/${f}`, `${featureDir}/${f}`);
chmodSync(`${featureDir}/install.sh`, 0o755);
// The nested mode's seccomp profile travels with the Feature: `cordon init` writes it beside it.
copyFileSync(".devcontainer/seccomp/seccomp-bwrap.json", `${featureDir}/seccomp-bwrap.json`);
/** Every file under dir, sorted: the archive's bytes then depend on the content alone. */
const filesUnder = (dir) =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => `${e.parentPath}/${e.name}`)
    .sort();
// Same build, same bytes (portable headers, fixed mtime; gzip writes no time): `cordon init`
// run twice leaves a repository's vendored copy unchanged.
await createTar(
  { gzip: { level: 9 }, file: `${featureDir}/cordon.tgz`, portable: true, mtime: new Date(0), noDirRecurse: true },
  ["package.json", ...filesUnder("dist/bundle")],
);

// The Dev Container Template (templates/src/cordon) with the Feature's text support files. Not
// the Feature itself: `devcontainer templates apply` substitutes options in every file as text,
// which would corrupt cordon.tgz; the Template names the published Feature (option featureRef).
const templateDir = "dist/template/cordon";
cpSync("templates/src/cordon", templateDir, { recursive: true });
mkdirSync(`${templateDir}/.devcontainer/cordon`, { recursive: true });
for (const f of ["seccomp-bwrap.json", "host-prepare.sh"])
  copyFileSync(`${featureDir}/${f}`, `${templateDir}/.devcontainer/cordon/${f}`);
