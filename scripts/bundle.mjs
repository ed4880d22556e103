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
import { dirname, join, relative, resolve } from "node:path";
import { create as createTar } from "tar";

// The version is known at build time: `cordon --version` then reads no file.
const version = JSON.parse(readFileSync("package.json", "utf8")).version;

// A fresh output folder: chunks of earlier builds would otherwise pile up and ship.
rmSync("dist/bundle", { recursive: true, force: true });
rmSync("dist/feature", { recursive: true, force: true });
rmSync("dist/template", { recursive: true, force: true });

await build({
  entryPoints: [
    "agent/cli/main.ts",
    // ESM entries at fixed paths: the one-file builds below import them lazily.
    "firewall/cidr-sources.ts",
    "common/otel-pipeline.ts",
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
  define: { __CORDON_VERSION__: JSON.stringify(version) },
  // Some dependencies are CommonJS and call require(); give ESM chunks one.
  banner: {
    js: "import { createRequire as __cordonCreateRequire } from 'node:module'; const require = __cordonCreateRequire(import.meta.url);",
  },
});
chmodSync("dist/bundle/agent/cli/main.js", 0o755);
/**
 * `entry` once more as one CommonJS file with all it uses: no ESM loader, no chunks. Its name
 * carries a hash of its content, which keys its code cache (runCached). Modules it imports
 * lazily and that are big and rarely used (the CIDR sources' HTTP client, OpenTelemetry) stay
 * out: they are ESM entries of the bundle above, and their `import()` becomes a call to the
 * loader's importer (an `import()` inside vm.Script code would need Node's experimental hooks).
 */
const LAZY_ESM = /\bimport\(\s*"(\.{1,2}\/[^"]*\b(?:cidr-sources|otel-pipeline)\.js)"\s*\)/g;
async function buildOneFile(entry, dir, stem) {
  const lazy = {
    name: "lazy-esm",
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, async (a) => {
        const text = readFileSync(a.path, "utf8");
        if (!text.includes("import(")) return undefined;
        const from = relative(resolve("."), dirname(a.path));
        return {
          loader: "ts",
          contents: text.replace(
            LAZY_ESM,
            (_, spec) => `globalThis.__cordonImport(${JSON.stringify(join(from, spec))})`,
          ),
        };
      });
    },
  };
  const tmp = `${dir}/${stem}.cjs`;
  await build({
    entryPoints: [entry],
    outfile: tmp,
    bundle: true,
    format: "cjs",
    platform: "node",
    target: "node20",
    sourcemap: false,
    logLevel: "warning",
    plugins: [lazy],
    alias: { "jsonc-parser": "jsonc-parser/lib/esm/main.js" },
    define: {
      __CORDON_VERSION__: JSON.stringify(version),
      "import.meta.url": "__cordonModuleUrl",
    },
    banner: { js: 'const __cordonModuleUrl = require("node:url").pathToFileURL(__filename).href;' },
  });
  const name = `${stem}-${createHash("sha256").update(readFileSync(tmp)).digest("hex").slice(0, 16)}.cjs`;
  renameSync(tmp, `${dir}/${name}`);
  return name;
}

/**
 * Runs one file built by buildOneFile through vm.Script with V8's code cache from `cacheDir`
 * (none when null): compiled as it ran last time, the functions compiled on first call
 * included (Node's own compile cache keeps only what compiles up front, and esbuild's module
 * wrappers compile on call). V8 checks a cache's header (its version and flags, the source's
 * length), not its bytes, so the cache is written whole (temp + rename) and lives only where
 * no sandbox and no agent can write: cordon's home for `cordon sandbox`, root's
 * /var/cache/cordon for the bring-up. Never a shared /tmp, where a sandboxed command could plant
 * code cordon would then run outside the sandbox. The key: the file's content (the hash in its
 * name), Node's version and the architecture; a cache V8 refuses is written anew, and writing
 * one removes the caches of other builds of the same file. Its source is written into each
 * entry below (one definition, no extra file to load). `bundleRoot` is where the lazily imported
 * ESM entries are (see buildOneFile).
 */
function runCached(file, cacheDir, bundleRoot) {
  const fs = require("node:fs");
  const path = require("node:path");
  const vm = require("node:vm");
  const Module = require("node:module");
  const name = path.basename(file);
  const stem = name.slice(0, name.lastIndexOf("-") + 1);
  const cacheFile = cacheDir && path.join(cacheDir, `${name}-${process.version}-${process.arch}.v8`);
  let cachedData;
  try {
    if (cacheFile) cachedData = fs.readFileSync(cacheFile);
  } catch {}
  const script = new vm.Script(Module.wrap(fs.readFileSync(file, "utf8")), {
    filename: file,
    cachedData,
  });
  globalThis.__cordonImport = (p) => import(require("node:url").pathToFileURL(path.join(bundleRoot, p)).href);
  if (cacheFile && (!cachedData || script.cachedDataRejected))
    process.once("exit", () => {
      const tmp = `${cacheFile}.${process.pid}`;
      try {
        fs.mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
        fs.writeFileSync(tmp, script.createCachedData(), { mode: 0o600 });
        fs.renameSync(tmp, cacheFile);
        for (const f of fs.readdirSync(cacheDir))
          if (f.startsWith(stem) && f.endsWith(".v8") && path.join(cacheDir, f) !== cacheFile)
            fs.rmSync(path.join(cacheDir, f), { force: true });
      } catch {
        try {
          fs.rmSync(tmp, { force: true });
        } catch {}
      }
    });
  const m = { exports: {} };
  script.runInThisContext()(m.exports, Module.createRequire(file), m, file, path.dirname(file));
  return m.exports;
}

// `cordon sandbox` as one file (sandbox-main.ts). The command's entry is CommonJS: `cordon
// --version` then never starts Node's ESM loader (about a quarter of a bare start-up).
// Everything else goes on to the ESM bundle.
const sandboxFile = await buildOneFile("agent/cli/sandbox-main.ts", "dist/bundle/agent/cli", "sandbox");
writeFileSync(
  "dist/bundle/agent/cli/cordon.cjs",
  `#!/usr/bin/env node
"use strict";
const a = process.argv;
if (a.length === 3 && (a[2] === "--version" || a[2] === "-V")) process.stdout.write(${JSON.stringify(`${version}
`)});
else if (a[2] === "sandbox") {
  const { join } = require("node:path");
  const home = process.env.CORDON_HOME ?? join(require("node:os").homedir(), ".cordon");
  runCached(join(__dirname, ${JSON.stringify(sandboxFile)}), join(home, "cache", "code"), join(__dirname, "..", "..")).sandboxMain(join(__dirname, "main.js"));
} else import("./main.js");
${runCached.toString()}
`,
  { mode: 0o755 },
);
// The firewall bring-up (init-firewall.sh runs it as root at every container start) the same
// way, its code cache in root's /var/cache/cordon: used only when root owns it and no one else
// may enter (cached code from there runs as root; the agent user can neither create nor write it).
const bringUpFile = await buildOneFile("firewall/bring-up-run.ts", "dist/bundle/firewall", "bring-up");
writeFileSync(
  "dist/bundle/firewall/bring-up-main.cjs",
  `#!/usr/bin/env node
// Entry point behind init-firewall.sh: \`bring-up-main.cjs --allowlist FILE\` (the work is in bring-up-run.ts).
"use strict";
const { join } = require("node:path");
let cacheDir = null;
try {
  const fs = require("node:fs");
  fs.mkdirSync("/var/cache/cordon/code", { recursive: true, mode: 0o700 });
  const rootOnly = (d) => {
    const st = fs.lstatSync(d);
    return st.isDirectory() && st.uid === 0 && (st.mode & 0o077) === 0;
  };
  if (process.getuid() === 0 && rootOnly("/var/cache/cordon") && rootOnly("/var/cache/cordon/code"))
    cacheDir = "/var/cache/cordon/code";
} catch {}
runCached(join(__dirname, ${JSON.stringify(bringUpFile)}), cacheDir, join(__dirname, ".."));
${runCached.toString()}
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
