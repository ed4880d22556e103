// tree-sitter-bash (the grammar Codex uses) through web-tree-sitter: WASM,
// no native build. Loaded on first need (a `bash -lc` script to classify),
// so commands given as plain argv never pay for it. Effectful: reads the two
// WASM files, from the bundle's wasm/ folder or from node_modules.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { setFlagsFromString } from "node:v8";
import { dirname, join } from "node:path";
import { Language, Parser, type Node } from "web-tree-sitter";
import { selfEntry } from "../tools/self-entry.js";
import { analyseScript, type ParsedScript, type SyntaxNode } from "./bash-syntax.js";

let parser: Parser | null = null;
let loading: Promise<void> | null = null;

/** Where a WASM file is: beside the bundle (dist/bundle/wasm), else in node_modules. */
function wasmPath(file: string, pkgPath: string): string {
  try {
    const bundled = join(dirname(selfEntry()), "..", "..", "wasm", file);
    if (existsSync(bundled)) return bundled;
  } catch {
    // not built: fall back to node_modules
  }
  return createRequire(import.meta.url).resolve(pkgPath);
}

/** Loads the parser once; later calls return at once. */
export function loadShellParser(): Promise<void> {
  if (parser) return Promise.resolve();
  loading ??= (async () => {
    // Baseline (Liftoff) code only: the optimising tier roughly doubles the
    // process's memory for this module and parses a 20-command script no faster.
    setFlagsFromString("--liftoff-only");
    const core = wasmPath("tree-sitter.wasm", "web-tree-sitter/tree-sitter.wasm");
    await Parser.init({ locateFile: () => core });
    const bash = await Language.load(wasmPath("tree-sitter-bash.wasm", "tree-sitter-bash/tree-sitter-bash.wasm"));
    const p = new Parser();
    p.setLanguage(bash);
    parser = p;
  })();
  return loading;
}

export function shellParserLoaded(): boolean {
  return parser !== null;
}

function plain(n: Node, field: string | null): SyntaxNode {
  const children: SyntaxNode[] = [];
  for (let i = 0; i < n.childCount; i++) {
    const c = n.child(i);
    if (c) children.push(plain(c, n.fieldNameForChild(i)));
  }
  return { type: n.type, text: n.text, named: n.isNamed, field, broken: n.isError || n.isMissing, children };
}

/** Parses a script with the loaded grammar; null when the parser is not loaded yet. */
export function parseBash(script: string): ParsedScript | null {
  if (!parser) return null;
  const tree = parser.parse(script);
  if (!tree) return null;
  try {
    return analyseScript(plain(tree.rootNode, null));
  } finally {
    tree.delete();
  }
}
