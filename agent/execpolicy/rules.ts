// Codex's `.rules` format, the part commands are judged by:
//
//   prefix_rule(
//       pattern = ["git", ["push", "fetch"]],   # a list position may hold alternatives
//       decision = "prompt",                    # allow | prompt | forbidden (default allow)
//       justification = "talks to the remote",
//       match = [["git", "push"], "git fetch origin"],   # examples checked at load
//       not_match = ["git status"],
//   )
//
// The files are a small subset of Starlark: calls with keyword arguments,
// strings, lists, comments. No maintained JavaScript Starlark parser exists,
// so this reader is written by hand. Pure: text in, rules or a precise error
// out; evaluation is a pure function of rules and argv.
import { parse as shellSplit } from "shell-quote";
import { UserError } from "../../common/user-error.js";

export type RuleDecision = "allow" | "prompt" | "forbidden";
const DECISIONS: RuleDecision[] = ["allow", "prompt", "forbidden"];
const STRICTNESS: Record<RuleDecision, number> = { allow: 0, prompt: 1, forbidden: 2 };

export interface Rule {
  file: string;
  line: number;
  /** Each position: the words accepted there. */
  pattern: string[][];
  decision: RuleDecision;
  justification: string | null;
}

export class RulesError extends UserError {}

type Value = { kind: "str"; value: string; line: number } | { kind: "list"; items: Value[]; line: number };
interface Token {
  kind: "ident" | "str" | "punct";
  text: string;
  line: number;
}

function tokenize(src: string, file: string): Token[] {
  const out: Token[] = [];
  let line = 1;
  for (let i = 0; i < src.length;) {
    const ch = src[i] as string;
    if (ch === "\n") {
      line++;
      i++;
    } else if (/\s/.test(ch)) i++;
    else if (ch === "#") while (i < src.length && src[i] !== "\n") i++;
    else if ("()[],=".includes(ch)) {
      out.push({ kind: "punct", text: ch, line });
      i++;
    } else if (ch === '"' || ch === "'") {
      const start = line;
      let s = "";
      i++;
      while (i < src.length && src[i] !== ch) {
        if (src[i] === "\n") throw new RulesError(`${file}:${start}: a string is not closed on its line`);
        if (src[i] === "\\") {
          const e = src[i + 1];
          s += e === "n" ? "\n" : e === "t" ? "\t" : (e ?? "");
          i += 2;
        } else s += src[i++];
      }
      if (i >= src.length) throw new RulesError(`${file}:${start}: a string is not closed`);
      i++;
      out.push({ kind: "str", text: s, line: start });
    } else if (/[A-Za-z_]/.test(ch)) {
      let s = "";
      while (i < src.length && /[A-Za-z0-9_]/.test(src[i] as string)) s += src[i++];
      out.push({ kind: "ident", text: s, line });
    } else throw new RulesError(`${file}:${line}: unexpected character ${JSON.stringify(ch)}`);
  }
  return out;
}

const KEYS = new Set(["pattern", "decision", "justification", "match", "not_match"]);

/** Parses a rules file; every problem names the file and line. Examples in match/not_match are checked. */
export function parseRules(src: string, file: string): Rule[] {
  const t = tokenize(src, file);
  let i = 0;
  const peek = () => t[i];
  const fail = (msg: string, tok = peek()): never => {
    throw new RulesError(`${file}:${tok?.line ?? t[t.length - 1]?.line ?? 1}: ${msg}`);
  };
  const expect = (text: string) => {
    const tok = peek();
    if (tok?.text !== text || tok.kind === "str")
      fail(`expected '${text}'${tok ? ` but found ${JSON.stringify(tok.text)}` : " but the file ended"}`);
    i++;
  };
  const value = (): Value => {
    const tok = peek();
    if (!tok) return fail("expected a value but the file ended");
    if (tok.kind === "str") {
      i++;
      return { kind: "str", value: tok.text, line: tok.line };
    }
    if (tok.text === "[") {
      i++;
      const items: Value[] = [];
      while (peek()?.text !== "]") {
        items.push(value());
        if (peek()?.text === ",") i++;
        else if (peek()?.text !== "]") fail("expected ',' or ']' in a list");
      }
      i++;
      return { kind: "list", items, line: tok.line };
    }
    return fail(`expected a string or a list, found ${JSON.stringify(tok.text)}`);
  };
  const rules: Rule[] = [];
  while (i < t.length) {
    const name = peek() as Token;
    if (name.kind !== "ident") fail(`expected prefix_rule(...), found ${JSON.stringify(name.text)}`);
    if (name.text !== "prefix_rule") fail(`unknown function ${name.text}(); cordon reads prefix_rule(...) only`);
    i++;
    expect("(");
    const args = new Map<string, Value>();
    while (peek()?.text !== ")") {
      const key = peek();
      if (!key || key.kind !== "ident")
        fail("expected a keyword argument (pattern=, decision=, justification=, match=, not_match=)");
      const k = (key as Token).text;
      if (!KEYS.has(k)) fail(`unknown argument ${k}= (known: ${[...KEYS].join(", ")})`, key);
      if (args.has(k)) fail(`${k}= given twice`, key);
      i++;
      expect("=");
      args.set(k, value());
      if (peek()?.text === ",") i++;
      else if (peek()?.text !== ")") fail("expected ',' or ')' after an argument");
    }
    i++;
    rules.push(...buildRule(args, name.line, file));
  }
  return rules;
}

function strings(v: Value, what: string, file: string): string[] {
  if (v.kind === "str") return [v.value];
  return v.items.map((x) => {
    if (x.kind !== "str") throw new RulesError(`${file}:${x.line}: ${what} must hold strings`);
    return x.value;
  });
}

function buildRule(args: Map<string, Value>, line: number, file: string): Rule[] {
  const pat = args.get("pattern");
  if (!pat) throw new RulesError(`${file}:${line}: prefix_rule needs pattern=[...]`);
  if (pat.kind !== "list" || pat.items.length === 0)
    throw new RulesError(`${file}:${pat.line}: pattern must be a non-empty list`);
  const pattern = pat.items.map((p) => {
    const alts = strings(p, "a pattern position", file);
    if (alts.length === 0 || alts.some((a) => a === ""))
      throw new RulesError(`${file}:${p.line}: a pattern position must be a word or a non-empty list of words`);
    return alts;
  });
  const dec = args.get("decision");
  const decision = (dec ? (dec.kind === "str" ? dec.value : "") : "allow") as RuleDecision;
  if (!DECISIONS.includes(decision))
    throw new RulesError(`${file}:${dec?.line ?? line}: decision must be one of ${DECISIONS.join(", ")}`);
  const just = args.get("justification");
  if (just && just.kind !== "str") throw new RulesError(`${file}:${just.line}: justification must be a string`);
  const rule: Rule = { file, line, pattern, decision, justification: just?.kind === "str" ? just.value : null };
  const examples = (key: "match" | "not_match") => {
    const v = args.get(key);
    if (!v) return [];
    if (v.kind !== "list") throw new RulesError(`${file}:${v.line}: ${key} must be a list of examples`);
    return v.items.map((x) => ({
      line: x.line,
      argv: x.kind === "str" ? splitExample(x.value) : strings(x, `a ${key} example`, file),
    }));
  };
  for (const ex of examples("match")) {
    if (!matches(rule, ex.argv))
      throw new RulesError(
        `${file}:${ex.line}: the match example ${JSON.stringify(ex.argv.join(" "))} does not match pattern ${showPattern(pattern)}`,
      );
  }
  for (const ex of examples("not_match")) {
    if (matches(rule, ex.argv))
      throw new RulesError(
        `${file}:${ex.line}: the not_match example ${JSON.stringify(ex.argv.join(" "))} matches pattern ${showPattern(pattern)}`,
      );
  }
  return [rule];
}

function splitExample(s: string): string[] {
  return shellSplit(s).map((t) => (typeof t === "string" ? t : "op" in t ? t.op : ""));
}

export function showPattern(p: string[][]): string {
  return `[${p.map((alts) => (alts.length === 1 ? JSON.stringify(alts[0]) : `[${alts.map((a) => JSON.stringify(a)).join(", ")}]`)).join(", ")}]`;
}

export function matches(rule: Pick<Rule, "pattern">, argv: string[]): boolean {
  return argv.length >= rule.pattern.length && rule.pattern.every((alts, k) => alts.includes(argv[k] as string));
}

export interface Evaluation {
  /** The strictest decision among matching rules, or null when none matched. */
  decision: RuleDecision | null;
  justification: string | null;
  matched: (Rule & { command: string[] })[];
}

/** Judges every command of a call; the strictest matching rule wins. */
export function evaluate(rules: Rule[], commands: string[][]): Evaluation {
  const matched = commands.flatMap((c) => rules.filter((r) => matches(r, c)).map((r) => ({ ...r, command: c })));
  const top = matched.reduce<(typeof matched)[number] | null>(
    (a, r) => (!a || STRICTNESS[r.decision] > STRICTNESS[a.decision] ? r : a),
    null,
  );
  return { decision: top?.decision ?? null, justification: top?.justification ?? null, matched };
}

/** The line "always allow this prefix" appends to the user's default.rules. */
export function allowPrefixRule(prefix: string[]): string {
  return `prefix_rule(pattern = [${prefix.map((w) => JSON.stringify(w)).join(", ")}], decision = "allow")\n`;
}
