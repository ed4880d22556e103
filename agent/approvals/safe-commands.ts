// The known-safe list: commands that only read, which `untrusted` runs
// without asking. In the spirit of Codex's list, stricter where an option can
// write, edit configuration, open an editor or run another program. Options
// are read the way the tools read them: combined short flags (-uo), `--opt=v`,
// and any unambiguous abbreviation of a long option (--outp for --output).
// Pure: the parsed script and the PATH lookup are inputs.
import type { ParsedScript } from "./bash-syntax.js";

const ALWAYS_SAFE = new Set([
  "ls",
  "cat",
  "head",
  "tail",
  "wc",
  "pwd",
  "echo",
  "true",
  "false",
  "nl",
  "cut",
  "tr",
  "stat",
  "basename",
  "dirname",
  "realpath",
  "readlink",
  "which",
  "grep",
  "egrep",
  "fgrep",
  "du",
  "df",
  "whoami",
  "id",
  "uname",
  "cmp",
  "tac",
  "numfmt",
  "rev",
  "seq",
  "expand",
  "fold",
  "paste",
  "join",
  "comm",
  "column",
  "od",
  "hexdump",
  "strings",
  "sha256sum",
  "md5sum",
  "sha1sum",
]);

interface OptionRules {
  /** Long options (without --) that write, run programs or edit configuration. */
  long: string[];
  /** Short option letters that do. */
  short: string;
}

const UNSAFE_OPTIONS: Record<string, OptionRules> = {
  sort: { long: ["output", "compress-program"], short: "o" },
  rg: { long: ["pre", "pre-glob", "search-zip", "hostname-bin"], short: "z" },
  file: { long: ["compile"], short: "C" },
  diff: { long: ["paginate"], short: "l" },
  base64: { long: ["output"], short: "o" },
};
const FIND_UNSAFE = new Set([
  "-exec",
  "-execdir",
  "-ok",
  "-okdir",
  "-delete",
  "-fls",
  "-fprint",
  "-fprint0",
  "-fprintf",
]);
const GIT_READ = new Set(["status", "log", "diff", "show", "branch"]);
const GIT_GLOBAL_OK = new Set(["--no-pager", "--no-optional-locks", "--bare", "--literal-pathspecs"]);
const GIT_SUB_UNSAFE: OptionRules = {
  long: ["output", "ext-diff", "textconv", "exec", "upload-pack", "receive-pack", "open-files-in-pager"],
  short: "oO",
};
const GIT_BRANCH_UNSAFE: OptionRules = {
  long: [
    "delete",
    "move",
    "copy",
    "set-upstream-to",
    "unset-upstream",
    "edit-description",
    "force",
    "track",
    "no-track",
    "create-reflog",
    "recurse-submodules",
  ],
  short: "dDmMcCuft",
};

/** The unsafe option an argument spells, or null. `--` ends option parsing. */
export function unsafeOption(args: string[], rules: OptionRules): string | null {
  for (const a of args) {
    if (a === "--") return null;
    if (a.startsWith("--")) {
      const name = a.slice(2).split("=")[0] as string;
      // Any abbreviation getopt_long would accept (at least one letter) of an unsafe option.
      if (name && rules.long.some((l) => l.startsWith(name))) return a;
    } else if (a.startsWith("-") && a.length > 1 && rules.short) {
      if ([...a.slice(1)].some((ch) => rules.short.includes(ch))) return a;
    }
  }
  return null;
}

export interface SafeVerdict {
  safe: boolean;
  reason: string;
  /** Safe only inside a sandbox: the repository's config could run programs (git's fsmonitor, pager, textconv...). */
  needsSandbox: boolean;
}

/** Why one simple command is not known-safe, or null when it is. */
export function unsafeReason(argv: string[], isSystemProgram: (name: string) => boolean): string | null {
  const [cmd, ...args] = argv;
  if (!cmd) return "empty command";
  if (cmd.includes("/")) return `${cmd} is a path, not a known command`;
  const known = ALWAYS_SAFE.has(cmd) || cmd in UNSAFE_OPTIONS || ["find", "sed", "git", "uniq"].includes(cmd);
  if (!known) return `${cmd} is not on the known-safe list`;
  if (!isSystemProgram(cmd))
    return `${cmd} on PATH is not the system's own program (it is missing, or lies where commands can write)`;
  const rules = UNSAFE_OPTIONS[cmd];
  if (rules) {
    const bad = unsafeOption(args, rules);
    if (bad) return `${cmd} ${bad} can write files or run other programs`;
  }
  switch (cmd) {
    case "find": {
      const bad = args.find((a) => FIND_UNSAFE.has(a));
      return bad ? `find ${bad} can run commands or write and delete files` : null;
    }
    case "uniq": {
      // uniq [OPTION]... [INPUT [OUTPUT]]: a second operand is written.
      const operands = args.filter((a, i) => !a.startsWith("-") || a === "-" || args.slice(0, i).includes("--"));
      return operands.length >= 2 ? `uniq ${operands[0]} ${operands[1]} writes ${operands[1]}` : null;
    }
    case "sed": {
      // Only `sed -n 'Np'` / `sed -n 'N,Mp'` (printing lines) counts as reading.
      const [flag, script, ...files] = args;
      if (flag !== "-n" || !script || !/^(\d+|\$)(,(\d+|\$))?p$/.test(script))
        return "sed other than `sed -n N,Mp` can write files";
      return files.some((f) => f.startsWith("-")) ? "sed with extra options" : null;
    }
    case "git": {
      let i = 0;
      while (i < args.length && (args[i] as string).startsWith("-")) {
        if (!GIT_GLOBAL_OK.has(args[i] as string))
          return `git option ${args[i]} can change configuration, the repository or run programs`;
        i++;
      }
      const sub = args[i];
      const rest = args.slice(i + 1);
      if (!sub || !GIT_READ.has(sub)) return `git ${sub ?? ""} is not a read-only git command`.trim();
      const bad = unsafeOption(rest, GIT_SUB_UNSAFE);
      if (bad) return `git ${sub} ${bad} can write files or run programs`;
      if (sub === "branch") {
        const b = unsafeOption(rest, GIT_BRANCH_UNSAFE);
        if (b || rest.some((a) => !a.startsWith("-")))
          return `git branch ${b ?? "NAME"} changes branches or their configuration`;
      }
      return null;
    }
    default:
      return null;
  }
}

/** Whether a whole proposal (argv, or every command of a parsed script) only reads. */
export function knownSafe(p: ParsedScript, isSystemProgram: (name: string) => boolean): SafeVerdict {
  if (p.notSafe)
    return { safe: false, reason: `the script is not a plain list of commands: ${p.notSafe}`, needsSandbox: false };
  if (p.commands.length === 0) return { safe: false, reason: "empty command", needsSandbox: false };
  // A script names the same programs again and again (git, head, ls): each is looked up on PATH once per verdict.
  const seen = new Map<string, boolean>();
  const isSystem = (name: string) => {
    let v = seen.get(name);
    if (v === undefined) seen.set(name, (v = isSystemProgram(name)));
    return v;
  };
  for (const c of p.commands) {
    const why = unsafeReason(c, isSystem);
    if (why) return { safe: false, reason: why, needsSandbox: false };
  }
  const needsSandbox = p.commands.some((c) => c[0] === "git");
  return {
    safe: true,
    reason:
      p.commands.length > 1
        ? "every part of the script is a known-safe read-only command"
        : "known-safe read-only command",
    needsSandbox,
  };
}
