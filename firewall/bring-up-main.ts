#!/usr/bin/env node
// Entry point behind init-firewall.sh: `bring-up-main.js --allowlist FILE`
// (the work is in bring-up-run.ts). Node 22+: compiled code is cached between
// bring-ups (one per container start) in root's own directory, which the agent
// user can neither create nor write: cached code from there runs as root. The
// cache is switched on before the rest is loaded, so the rest is what it keeps.
import { mkdirSync, statSync } from "node:fs";
import module from "node:module";

try {
  mkdirSync("/var/cache/cordon", { recursive: true, mode: 0o700 });
  const st = statSync("/var/cache/cordon");
  if (process.getuid?.() === 0 && st.uid === 0 && (st.mode & 0o077) === 0)
    (module as { enableCompileCache?: (dir: string) => unknown }).enableCompileCache?.("/var/cache/cordon/compile");
} catch {
  // no cache: only slower
}
await import("./bring-up-run.js");
