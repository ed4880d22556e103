// Turns zod issues about a parsed TOML document into messages for people:
// the line (best effort), the dotted key, the offending value and what is
// wrong with it. Shared by the allowlist and the agent config.
import type { z } from "zod";

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

/** Best-effort line (1-based) of a key path in TOML source, for error messages. Keys are matched literally (a key may be a glob). */
export function locate(source: string, path: PropertyKey[], value: unknown): number | undefined {
  const lines = source.split("\n");
  if (typeof value === "string" || typeof value === "number") {
    const lit = typeof value === "string" ? JSON.stringify(value) : String(value);
    const single = typeof value === "string" ? `'${value}'` : undefined;
    const key = [...path].reverse().find((p): p is string => typeof p === "string");
    // Prefer a line that has both the value and (if any) the key.
    const hits = lines.flatMap((l, i) => (l.includes(lit) || (single !== undefined && l.includes(single)) ? [i] : []));
    const withKey = hits.find(
      (i) => key !== undefined && new RegExp(`^\\s*["']?${esc(key)}["']?\\s*=`).test(lines[i] ?? ""),
    );
    const hit = withKey ?? hits[0];
    if (hit !== undefined) return hit + 1;
  }
  const keys = path.filter((p): p is string => typeof p === "string");
  for (let n = keys.length; n > 0; n--) {
    const key = keys[n - 1] as string;
    const header = keys.slice(0, n).join(".");
    const idx = lines.findIndex((l) => new RegExp(`^\\s*\\[\\[?${esc(header)}\\]\\]?\\s*(#.*)?$`).test(l));
    if (idx >= 0) return idx + 1;
    const kv = lines.findIndex((l) => new RegExp(`^\\s*["']?${esc(key)}["']?\\s*=`).test(l));
    if (kv >= 0) return kv + 1;
  }
  return undefined;
}

function valueAt(obj: unknown, path: PropertyKey[]): unknown {
  let cur: unknown = obj;
  for (const p of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[p];
  }
  return cur;
}

export function describeIssue(source: string, raw: unknown, issue: z.core.$ZodIssue): string {
  const path = issue.path;
  const key = path
    .map((p) => (typeof p === "number" ? `[${p}]` : String(p)))
    .join(".")
    .replace(/\.\[/g, "[");
  if (issue.code === "unrecognized_keys") {
    return issue.keys
      .map((k) => {
        const line = locate(source, [...path, k], undefined);
        const where = key ? `${key}.${k}` : k;
        return `${line ? `line ${line}: ` : ""}unknown key "${where}"`;
      })
      .join("\n  - ");
  }
  const value = valueAt(raw, path);
  const line = locate(source, path, value);
  // A bad key of a record: the key's own rule says why (zod's message is only "Invalid key in record").
  if (issue.code === "invalid_key") {
    const why = issue.issues[0]?.message ?? issue.message;
    return `${line ? `line ${line}: ` : ""}${key}: the key ${JSON.stringify(String(path[path.length - 1]))} ${why}`;
  }
  const shown = value === undefined ? "" : ` ${JSON.stringify(value)}`;
  return `${line ? `line ${line}: ` : ""}${key || "(top level)"}:${shown} ${issue.message}`;
}
