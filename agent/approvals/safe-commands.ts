// The known-safe list: commands that only read, which `untrusted` runs
// without asking. In the spirit of Codex's list, stricter where a flag can
// write or execute. Pure.
import { parseScript, shellScript } from "./shell-parse.js";

const ALWAYS_SAFE = new Set(["ls", "cat", "head", "tail", "wc", "pwd", "echo", "true", "false", "nl", "cut", "tr", "stat", "file", "basename", "dirname", "realpath", "readlink", "which", "grep", "egrep", "fgrep", "uniq", "du", "df", "whoami", "id", "uname", "cmp", "diff"]);

/** Flags that make an otherwise read-only tool write or run something. */
const FIND_UNSAFE = new Set(["-exec", "-execdir", "-ok", "-okdir", "-delete", "-fls", "-fprint", "-fprint0", "-fprintf"]);
const RG_UNSAFE = ["--pre", "--pre-glob", "--search-zip", "-z", "--hostname-bin"];
const GIT_READ = new Set(["status", "log", "diff", "show", "branch"]);
const GIT_GLOBAL_UNSAFE = ["-c", "--config-env", "--exec-path", "--git-dir", "--work-tree", "--namespace", "-C", "--paginate", "-p", "--super-prefix", "--list-cmds"];
const GIT_SUB_UNSAFE = ["--output", "--ext-diff", "--textconv", "--exec", "-o", "--upload-pack", "--receive-pack", "--open-files-in-pager", "-O"];
const GIT_BRANCH_WRITES = ["-d", "-D", "--delete", "-m", "-M", "--move", "-c", "-C", "--copy", "--set-upstream-to", "-u", "--unset-upstream", "--edit-description", "-f", "--force", "--track", "-t"];

const hasFlag = (args: string[], flags: readonly string[]) =>
  args.some((a) => flags.some((f) => a === f || a.startsWith(`${f}=`) || (/^-[a-zA-Z]$/.test(f) && a.startsWith(f) && !a.startsWith("--"))));

/** Why one simple command is not known-safe, or null when it is. */
export function unsafeReason(argv: string[]): string | null {
  const [cmd0, ...args] = argv;
  if (!cmd0) return "empty command";
  const cmd = cmd0;
  if (cmd.includes("/")) return `${cmd} is a path, not a known command`;
  if (ALWAYS_SAFE.has(cmd)) return null;
  switch (cmd) {
    case "find": {
      const bad = args.find((a) => FIND_UNSAFE.has(a));
      return bad ? `find ${bad} can run commands or delete files` : null;
    }
    case "rg":
      return hasFlag(args, RG_UNSAFE) ? "rg with --pre/--search-zip runs other programs" : null;
    case "sort":
      return hasFlag(args, ["-o", "--output", "--compress-program"]) ? "sort -o writes a file" : null;
    case "sed": {
      // Only `sed -n 'Np'` / `sed -n 'N,Mp'` (printing lines) counts as reading.
      const [flag, script, ...files] = args;
      if (flag !== "-n" || !script || !/^(\d+|\$)(,(\d+|\$))?p$/.test(script)) return "sed other than `sed -n N,Mp` can write files";
      return files.some((f) => f.startsWith("-")) ? "sed with extra options" : null;
    }
    case "git": {
      let i = 0;
      while (i < args.length && (args[i] as string).startsWith("-")) {
        if (hasFlag([args[i] as string], GIT_GLOBAL_UNSAFE)) return `git ${args[i]} can change configuration or run programs`;
        if (!["--no-pager", "--no-optional-locks", "--bare", "--literal-pathspecs"].includes(args[i] as string)) return `git option ${args[i]} is not known to be safe`;
        i++;
      }
      const sub = args[i];
      const rest = args.slice(i + 1);
      if (!sub || !GIT_READ.has(sub)) return `git ${sub ?? ""} is not a read-only git command`.trim();
      if (hasFlag(rest, GIT_SUB_UNSAFE)) return `git ${sub} with ${rest.find((a) => hasFlag([a], GIT_SUB_UNSAFE))} can write files or run programs`;
      if (sub === "branch" && (hasFlag(rest, GIT_BRANCH_WRITES) || rest.some((a) => !a.startsWith("-")))) {
        return "git branch with a name or -d/-m/-c changes branches";
      }
      return null;
    }
    default:
      return `${cmd} is not on the known-safe list`;
  }
}

/** Whether a whole proposed command (argv, or `bash -lc` script with && || ; |) only reads. */
export function knownSafe(argv: string[]): { safe: boolean; reason: string } {
  const script = shellScript(argv);
  if (script === null) {
    const why = unsafeReason(argv);
    return why ? { safe: false, reason: why } : { safe: true, reason: "known-safe read-only command" };
  }
  const p = parseScript(script);
  if (p.opaque) return { safe: false, reason: `the script ${p.opaque}` };
  if (p.commands.length === 0) return { safe: false, reason: "empty script" };
  for (const c of p.commands) {
    const why = unsafeReason(c);
    if (why) return { safe: false, reason: why };
  }
  return { safe: true, reason: "every part of the script is a known-safe read-only command" };
}
