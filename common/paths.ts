// Path facts every part needs, written once. Pure (string work only).
import { join } from "node:path";

/** Whether `p` is `root` or lies below it, on path-component boundaries (both absolute and normalised). */
export function isWithin(p: string, root: string): boolean {
  return p === root || p.startsWith(root.endsWith("/") ? root : `${root}/`);
}

/** The deepest of `roots` holding `p`, or undefined when none does. */
export function deepestRoot(p: string, roots: readonly string[]): string | undefined {
  return roots.filter((r) => isWithin(p, r)).sort((a, b) => b.length - a.length)[0];
}

/** `~` and `~/x` as the user's home; anything else unchanged. */
export function expandHome(p: string, home: string): string {
  return p === "~" ? home : p.startsWith("~/") ? join(home, p.slice(2)) : p;
}
