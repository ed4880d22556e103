// Bundles the CLI and the firewall bring-up into a few ESM files with
// esbuild: loading hundreds of small modules dominated start-up time.
// Lazily imported subcommands stay separate chunks (code splitting).
import { build } from "esbuild";
import { chmodSync, copyFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";

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
  // Some dependencies are CommonJS and call require(); give ESM chunks one.
  banner: {
    js: "import { createRequire as __cordonCreateRequire } from 'node:module'; const require = __cordonCreateRequire(import.meta.url);",
  },
});
chmodSync("dist/bundle/agent/cli/main.js", 0o755);
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
