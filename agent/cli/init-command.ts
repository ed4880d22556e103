// `cordon init [--mode nested|boundary] [--dry-run] [--force] [--feature REF] [-C DIR]`:
// makes a repository's dev container a cordon one. It writes
//   .devcontainer/allowlist.toml        from the registries the repository's files show
//   .devcontainer/cordon/               the cordon Feature with this cordon inside, the
//                                       seccomp profile the nested mode runs with and
//                                       the host preparation (initializeCommand)
//   .devcontainer/devcontainer.json     merged (comments kept) or, when absent, a new
//                                       one with a Dockerfile beside it
// All or nothing; --dry-run prints the diff; a second run changes nothing. A
// hand-edited allowlist is left alone without --force.
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { UserError } from "../../common/user-error.js";
import { walkTree } from "../../common/walk-tree.js";
import { parseAllowlist } from "../../firewall/allowlist-load.js";
import { allowlistText, commentSafe, isUntouchedOutput } from "../init/allowlist-text.js";
import {
  FRESH_DOCKERFILE,
  freshDevcontainer,
  isCordonFeature,
  LOCAL_FEATURE,
  mergeDevcontainer,
  parseConfig,
  type InitMode,
} from "../init/devcontainer-merge.js";
import { detectEcosystems } from "../init/ecosystems.js";
import { dryRunText, effective, type FileChange } from "../init/file-changes.js";
import { packageVersion } from "../version.js";
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

/**
 * The built Feature (dist/feature/cordon) of the cordon that is running: beside
 * the bundle in a checkout, in the image and where the Feature installed it.
 */
export function featureDir(from = fileURLToPath(import.meta.url)): string {
  for (let d = dirname(from); ; d = dirname(d)) {
    for (const c of [join(d, "feature", "cordon"), join(d, "dist", "feature", "cordon")])
      if (existsSync(join(c, "devcontainer-feature.json"))) return c;
    if (d === "/")
      throw new UserError(
        "this cordon has no built Feature beside it (dist/feature/cordon); run `npm run build` in cordon's checkout, or use the cordon in the dev container image",
      );
  }
}

/** Files of the Feature's folder a repository needs even with a published Feature. */
const SUPPORT_FILES: Record<string, string> = {
  "seccomp-bwrap.json": "seccomp profile",
  "host-prepare.sh": "host preparation (initializeCommand)",
};

const read = (file: string): Buffer | null => (existsSync(file) ? readFileSync(file) : null);

export interface InitOptions {
  cd?: string;
  dryRun?: boolean;
  force?: boolean;
  mode?: string;
  feature?: string;
}

export function initAction(o: InitOptions): void {
  const cwd = resolve(o.cd ?? process.cwd());
  if (!existsSync(cwd)) throw new UserError(`-C ${o.cd}: no such directory`);
  const root = projectRoot(cwd);
  const shown = (p: string) => relative(process.cwd(), join(root, p)) || p;
  if (o.mode !== undefined && o.mode !== "nested" && o.mode !== "boundary")
    throw new UserError(`--mode ${o.mode}: use nested (cordon's own sandbox in the container) or boundary`);
  const configRel = ".devcontainer/devcontainer.json";
  if (existsSync(join(root, ".devcontainer.json")) && !existsSync(join(root, configRel)))
    throw new UserError(
      `${shown(".devcontainer.json")}: cordon keeps the dev container's files in .devcontainer/, which the container mounts read-only (so the agent cannot change what the next build trusts). Move it first: git mv .devcontainer.json .devcontainer/devcontainer.json`,
    );
  const config = read(join(root, configRel))?.toString("utf8") ?? null;
  const feature = o.feature ?? LOCAL_FEATURE;
  const mode: InitMode = (o.mode as InitMode | undefined) ?? currentMode(config, shown(configRel)) ?? "nested";

  const changes: FileChange[] = [];
  const notes: string[] = [];
  const plan = (path: string, after: Buffer | string, extra: Partial<FileChange> = {}) =>
    changes.push({ path, before: read(join(root, path)), after: Buffer.from(after), ...extra });

  // The allowlist, from the repository's files.
  const allowRel = ".devcontainer/allowlist.toml";
  const ecosystems = detectEcosystems(repoFiles(root));
  const allowlist = allowlistText(ecosystems);
  parseAllowlist(allowlist, join(root, allowRel)); // what is written is what the firewall accepts
  const currentAllow = read(join(root, allowRel))?.toString("utf8");
  plan(allowRel, allowlist, {
    ...(currentAllow !== undefined && !isUntouchedOutput(currentAllow)
      ? { needsForce: `${shown(allowRel)} was edited by hand (or not written by cordon init)` }
      : {}),
  });

  // The Feature with this cordon inside (unless a published one is named), and the seccomp profile.
  const src = featureDir();
  for (const f of readdirSync(src).sort()) {
    const support = SUPPORT_FILES[f];
    if (!support && feature !== LOCAL_FEATURE) continue;
    plan(`.devcontainer/cordon/${f}`, readFileSync(join(src, f)), {
      executable: f.endsWith(".sh"),
      copyOf: `cordon ${packageVersion()}'s ${support ?? "Feature"}`,
    });
  }

  // devcontainer.json: merged, or new with a Dockerfile beside it.
  if (config === null) {
    plan(configRel, freshDevcontainer(mode, feature));
    if (!existsSync(join(root, ".devcontainer/Dockerfile"))) plan(".devcontainer/Dockerfile", FRESH_DOCKERFILE);
    else notes.push(`kept ${shown(".devcontainer/Dockerfile")}; the new devcontainer.json builds it`);
  } else {
    const merged = mergeDevcontainer(config, { mode, feature, file: shown(configRel) });
    plan(configRel, merged.text);
    notes.push(...merged.notes);
  }

  const todo = effective(changes);
  const say = (s: string) => process.stdout.write(s);
  const warn = (s: string) => process.stderr.write(`note: ${s}\n`);
  if (todo.length === 0) {
    say(`${shown(".devcontainer")} is up to date (cordon, ${mode} mode); nothing to change\n`);
    notes.forEach(warn);
    return;
  }
  const forced = todo.filter((c) => c.needsForce);
  if (o.dryRun) {
    say(dryRunText(todo));
    notes.forEach(warn);
    for (const c of forced) warn(`${c.needsForce}: writing it needs --force`);
    return;
  }
  if (forced.length && !o.force)
    throw new UserError(
      `${forced.map((c) => c.needsForce).join("; ")}; nothing changed. See what would change with --dry-run, then replace it with --force.`,
    );
  for (const c of todo) {
    const file = join(root, c.path);
    mkdirSync(dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, c.after);
    if (c.executable) chmodSync(tmp, 0o755);
    renameSync(tmp, file);
  }
  const found = ecosystems.map((e) => `${e.label} (${e.because.map(commentSafe).join(", ")})`);
  say(
    [
      `cordon init (${mode} mode) wrote: ${todo.map((c) => shown(c.path)).join(", ")}`,
      `allowlist: the model API, GitHub and VS Code${found.length ? `, and ${found.join("; ")}` : "; no package registry detected"}`,
      "Rebuild the dev container to apply it (VS Code: Dev Containers: Rebuild Container; or devcontainer up --workspace-folder .).",
      "",
    ].join("\n"),
  );
  notes.forEach(warn);
}

/** The mode the repository's cordon Feature is set to, if it has one. */
function currentMode(config: string | null, file: string): InitMode | null {
  if (config === null) return null;
  const features = parseConfig(config, file).features ?? {};
  const key = Object.keys(features).find(isCordonFeature);
  const mode = key ? (features[key] as { mode?: unknown } | null)?.mode : undefined;
  return mode === "nested" || mode === "boundary" ? mode : null;
}
