// `cordon init [--dry-run] [--force] [-C DIR]`: writes the repository's
// `.devcontainer/allowlist.toml` from the files it has (ecosystems.ts,
// allowlist-text.ts). Its own unedited output is refreshed; a file edited by
// hand (or not written by it) is left alone without --force; --dry-run prints
// the unified diff and writes nothing; a second run changes nothing.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { createTwoFilesPatch } from "diff";
import { UserError } from "../../common/user-error.js";
import { walkTree } from "../../common/walk-tree.js";
import { parseAllowlist } from "../../firewall/allowlist-load.js";
import { allowlistText, commentSafe, isUntouchedOutput } from "../init/allowlist-text.js";
import { detectEcosystems } from "../init/ecosystems.js";
import { projectRoot } from "./agent-setup.js";

const SKIP = new Set([
  ".git",
  "node_modules",
  "vendor",
  "target",
  "dist",
  "build",
  ".venv",
  "venv",
  "__pycache__",
  ".cache",
]);
const MAX_DEPTH = 3;
const MAX_ENTRIES = 20_000;

/** The repository's files to three levels, leaving out dependency and build folders (bounded). */
function repoFiles(root: string): string[] {
  const out: string[] = [];
  walkTree(root, {
    maxDepth: MAX_DEPTH,
    maxEntries: MAX_ENTRIES,
    visit: (e) => {
      if (e.dirent.isFile()) out.push(relative(root, e.path));
    },
    enter: (e) => e.dirent.isDirectory() && !SKIP.has(e.dirent.name),
  });
  return out;
}

export function initAction(o: { cd?: string; dryRun?: boolean; force?: boolean }): void {
  const cwd = resolve(o.cd ?? process.cwd());
  if (!existsSync(cwd)) throw new UserError(`-C ${o.cd}: no such directory`);
  const root = projectRoot(cwd);
  const file = join(root, ".devcontainer", "allowlist.toml");
  const shown = relative(process.cwd(), file) || file;
  const ecosystems = detectEcosystems(repoFiles(root));
  const next = allowlistText(ecosystems);
  parseAllowlist(next, file); // what is written is what the firewall accepts
  const current = existsSync(file) ? readFileSync(file, "utf8") : null;
  if (current === next) {
    process.stdout.write(`${shown} is up to date; nothing to change\n`);
    return;
  }
  const handEdited = current !== null && !isUntouchedOutput(current);
  if (o.dryRun) {
    process.stdout.write(createTwoFilesPatch(shown, shown, current ?? "", next, "now", "cordon init"));
    if (handEdited)
      process.stderr.write(
        `note: ${shown} was edited by hand (or not written by cordon init): writing it needs --force\n`,
      );
    return;
  }
  if (handEdited && !o.force)
    throw new UserError(
      `${shown} was edited by hand (or not written by cordon init); nothing changed. See what would change with --dry-run, then replace it with --force.`,
    );
  mkdirSync(join(root, ".devcontainer"), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, next);
  renameSync(tmp, file);
  const found = ecosystems.map((e) => `${e.label} (${e.because.map(commentSafe).join(", ")})`);
  process.stdout.write(
    `wrote ${shown}: the model API, GitHub and VS Code${found.length ? `, and ${found.join("; ")}` : "; no package registry detected"}.\nThe secure image reads it when it is built: rebuild the container to apply it.\n`,
  );
}
