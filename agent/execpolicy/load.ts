// Where rules come from: the user's ~/.cordon/rules/*.rules, an admin's
// /etc/cordon/rules/*.rules, and a repository's own .cordon/rules/ only for a
// project the user trusts. Effectful (reads files); a bad file stops start-up
// with its name and line.
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { allowPrefixRule, parseRules, type Rule } from "./rules.js";

import { systemDir } from "../config/managed.js";
import { RulesError } from "./rules.js";

function rulesIn(dir: string): Rule[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".rules"))
    .sort()
    .flatMap((f) => readRulesFile(join(dir, f)));
}

export function readRulesFile(file: string): Rule[] {
  return parseRules(readFileSync(file, "utf8"), file);
}

export function loadRules(o: {
  cordonHome: string;
  projectRoot: string | null;
  projectTrusted: boolean;
  managedDir?: string;
  required?: { files: string[]; by: string };
}): Rule[] {
  for (const f of o.required?.files ?? []) {
    if (!existsSync(f))
      throw new RulesError(
        `${o.required?.by}: required_rules_files names ${f}, which does not exist. Nothing was run; ask your administrator.`,
      );
  }
  return [
    ...(o.required?.files ?? []).flatMap((f) => readRulesFile(f)),
    // Admin-managed rules: read by every session, not writable by the user.
    ...rulesIn(o.managedDir ?? join(systemDir(), "rules")),
    ...rulesIn(join(o.cordonHome, "rules")),
    ...(o.projectRoot && o.projectTrusted ? rulesIn(join(o.projectRoot, ".cordon", "rules")) : []),
  ];
}

/** "Always allow this prefix": appends an allow rule to $CORDON_HOME/rules/default.rules and returns it. */
export function rememberAllowedPrefix(cordonHome: string, prefix: string[]): Rule[] {
  const dir = join(cordonHome, "rules");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, "default.rules");
  const text = allowPrefixRule(prefix);
  appendFileSync(file, text, { mode: 0o600 });
  return parseRules(text, file);
}
