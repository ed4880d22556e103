// From a bash syntax tree (tree-sitter-bash's, as plain data) to what the
// approval checks need: every simple command anywhere in the script (lists,
// pipelines, subshells, if/while/for/case bodies, command and process
// substitutions, function bodies), with environment-assignment prefixes
// stripped; the output redirection targets; and why the script is not a
// plain list of plain commands, if it is not. Pure.

export interface SyntaxNode {
  type: string;
  text: string;
  named: boolean;
  /** The node's field name in its parent (name, argument, body, destination, ...). */
  field: string | null;
  /** ERROR or MISSING: the parser could not make sense of this part. */
  broken: boolean;
  children: SyntaxNode[];
}

export interface ParsedScript {
  /** Every simple command, in source order, assignments stripped. */
  commands: string[][];
  /** Why the script cannot be known-safe (the first reason found), or null. */
  notSafe: string | null;
  /** Targets of output redirections (> >> &> >|), for the dangerous-write check. */
  redirectTargets: string[];
  /** False when the parser met syntax it could not read: then check for danger conservatively. */
  understood: boolean;
}

/** Constructs a known-safe script may use: they only sequence plain commands. */
const SEQUENCING = new Set(["program", "list", "pipeline", "compound_statement", "subshell", "negated_command"]);
/** Constructs whose commands are classified, but which make the script not known-safe. */
const CONTROL = new Set([
  "if_statement",
  "elif_clause",
  "else_clause",
  "while_statement",
  "for_statement",
  "c_style_for_statement",
  "case_statement",
  "case_item",
  "do_group",
  "function_definition",
  "command_substitution",
  "process_substitution",
]);
const DESCRIBE: Record<string, string> = {
  if_statement: "an if statement",
  while_statement: "a loop",
  for_statement: "a loop",
  c_style_for_statement: "a loop",
  case_statement: "a case statement",
  function_definition: "a function definition",
  command_substitution: "command substitution",
  process_substitution: "process substitution",
  simple_expansion: "a variable",
  expansion: "a variable",
  ansi_c_string: "$'...' quoting",
  translated_string: '$"..." quoting',
  brace_expression: "brace expansion",
  arithmetic_expansion: "arithmetic expansion",
  heredoc_redirect: "a here-document",
  herestring_redirect: "a here-string",
  file_redirect: "a redirection",
  variable_assignment: "a variable assignment",
  declaration_command: "a declaration (export/declare/local)",
  unset_command: "unset",
  test_command: "a test expression",
};
const describe = (type: string) => DESCRIBE[type] ?? type.replace(/_/g, " ");

const UNQUOTED_GLOB = /(^|[^\\])[*?[]/;
const BRACE = /(^|[^\\])\{[^{}]*(,|\.\.)[^{}]*\}/;

interface Word {
  text: string;
  /** Why this word is not a plain literal, or null. */
  notPlain: string | null;
}

export function analyseScript(root: SyntaxNode): ParsedScript {
  const out: ParsedScript = { commands: [], notSafe: null, redirectTargets: [], understood: true };
  const flag = (why: string) => {
    out.notSafe ??= why;
  };

  const word = (n: SyntaxNode): Word => {
    if (n.broken) {
      out.understood = false;
      return { text: n.text, notPlain: "syntax the shell parser could not fully read" };
    }
    switch (n.type) {
      case "word":
      case "number": {
        if (n.type === "word" && UNQUOTED_GLOB.test(n.text)) return { text: n.text, notPlain: "a glob" };
        if (n.type === "word" && BRACE.test(n.text)) return { text: n.text, notPlain: "brace expansion" };
        return { text: n.text.replace(/\\(.)/g, "$1"), notPlain: null };
      }
      case "raw_string":
        return { text: n.text.slice(1, -1), notPlain: null };
      case "string": {
        const inner = n.children.filter((c) => c.named && c.type !== "string_content");
        for (const c of inner) visit(c);
        const why = inner[0] ? describe(inner[0].type) : null;
        return { text: n.text.slice(1, -1).replace(/\\([$`"\\\n])/g, "$1"), notPlain: why };
      }
      case "concatenation": {
        const parts = n.children.map(word);
        return {
          text: parts.map((p) => p.text).join(""),
          notPlain: BRACE.test(n.text) ? "brace expansion" : (parts.find((p) => p.notPlain)?.notPlain ?? null),
        };
      }
      default:
        visit(n); // substitutions inside the word still hold commands
        return { text: n.text, notPlain: describe(n.type) };
    }
  };

  const command = (n: SyntaxNode) => {
    const words: string[] = [];
    for (const c of n.children) {
      if (c.type === "variable_assignment") {
        flag("it sets environment variables for the command (e.g. FOO=1 cmd)");
        for (const v of c.children) if (v.field === "value") word(v);
      } else if (c.type === "command_name") {
        const w = word(c.children[0] ?? c);
        if (w.notPlain) flag(`the command name uses ${w.notPlain}`);
        words.push(w.text);
      } else if (c.field === "argument") {
        const w = word(c);
        if (w.notPlain) flag(`it uses ${w.notPlain}`);
        words.push(w.text);
      } else if (c.named) {
        visit(c);
      }
    }
    if (words.length && words.some((w) => w !== "")) out.commands.push(words);
  };

  const redirect = (n: SyntaxNode) => {
    flag(`it uses ${describe(n.type)}`);
    const op = n.children.find((c) => !c.named)?.text ?? "";
    const dest = n.children.find((c) => c.field === "destination");
    if (dest) {
      const w = word(dest);
      if (op.includes(">")) out.redirectTargets.push(w.text);
    }
    for (const c of n.children) if (c.named && c !== dest) visit(c);
  };

  function visit(n: SyntaxNode): void {
    if (n.broken) {
      out.understood = false;
      flag("the shell parser could not fully read it");
    }
    if (n.type === "comment") return;
    if (n.type === "command") return command(n);
    if (n.type === "file_redirect" || n.type === "heredoc_redirect" || n.type === "herestring_redirect")
      return redirect(n);
    if (n.type === "redirected_statement") {
      for (const c of n.children) visit(c);
      return;
    }
    if (SEQUENCING.has(n.type)) {
      for (const c of n.children) {
        if (!c.named && (c.text === "&" || c.text === "|&"))
          flag(c.text === "&" ? "it runs a job in the background (&)" : "it pipes stderr with |&");
        if (c.named) visit(c);
        else if (c.broken) {
          out.understood = false;
          flag("the shell parser could not fully read it");
        }
      }
      return;
    }
    if (CONTROL.has(n.type)) flag(`it uses ${describe(n.type)}`);
    else if (n.named) flag(`it uses ${describe(n.type)}`);
    for (const c of n.children) {
      if (n.type === "for_statement" && c.field === "value") word(c);
      else if (c.named || c.broken) visit(c);
    }
  }

  visit(root);
  if (out.commands.length === 0) flag("it has no command");
  return out;
}
