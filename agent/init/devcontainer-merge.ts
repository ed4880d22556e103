// What `cordon init` does to a repository's devcontainer.json: adds the cordon
// Feature (or sets its mode), and the three runArgs the nested sandbox needs
// (removed again for the container-as-boundary mode), as jsonc-parser edits
// so the file keeps its comments, order and formatting. Applied to its own
// output it changes nothing. Pure: text in, text and notes out.
import { applyEdits, modify, parse, printParseErrorCode, type ParseError } from "jsonc-parser";
import { UserError } from "../../common/user-error.js";

export type InitMode = "nested" | "boundary";

/** The vendored Feature's folder, relative to devcontainer.json. */
export const LOCAL_FEATURE = "./cordon";

const SECCOMP = "--security-opt=seccomp=${localWorkspaceFolder}/.devcontainer/cordon/seccomp-bwrap.json";
/** Makes sure .git/hooks and .git/config exist on the host before the Feature binds them read-only. */
export const HOST_PREPARE = "sh .devcontainer/cordon/host-prepare.sh";

/** The narrowest loosenings that let an unprivileged user start bwrap in Docker (README, "What each mode costs"). */
export const NESTED_RUN_ARGS = [
  SECCOMP,
  "--security-opt=systempaths=unconfined",
  "--security-opt=apparmor=unconfined",
] as const;

export interface MergeResult {
  text: string;
  /** Things the user should know or do, one sentence each. */
  notes: string[];
}

interface Config {
  features?: Record<string, unknown>;
  initializeCommand?: unknown;
  runArgs?: unknown[];
  remoteUser?: unknown;
  privileged?: unknown;
}

/** A Feature key that is cordon's: the vendored folder or a published `…/cordon[:tag]`. */
export const isCordonFeature = (key: string) =>
  key === LOCAL_FEATURE || /(^|\/)cordon(:[\w.-]+|@sha256:\w+)?$/.test(key);

const WEAKENING = /^--security-opt[= ](seccomp|apparmor|systempaths)=unconfined$/;
const isSeccompArg = (a: string) => /^--security-opt[= ]seccomp=/.test(a);

function lineCol(text: string, offset: number): string {
  const before = text.slice(0, offset).split("\n");
  return `line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`;
}

/** Parses JSONC the way the Dev Containers CLI does, or says where it breaks. */
export function parseConfig(text: string, file: string): Config {
  const errors: ParseError[] = [];
  const value: unknown = parse(text, errors, { allowTrailingComma: true });
  const first = errors[0];
  if (first)
    throw new UserError(
      `${file}: not valid JSON with comments at ${lineCol(text, first.offset)} (${printParseErrorCode(first.error)}); nothing changed`,
    );
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new UserError(`${file}: the top level is not an object; nothing changed`);
  return value as Config;
}

function formatting(text: string) {
  const indent = /^([ \t]+)"/m.exec(text)?.[1] ?? "  ";
  return {
    insertSpaces: !indent.startsWith("\t"),
    tabSize: indent.startsWith("\t") ? 1 : indent.length,
    eol: text.includes("\r\n") ? "\r\n" : "\n",
  };
}

/** Merges cordon into an existing devcontainer.json (`file` names it in errors and notes). */
export function mergeDevcontainer(text: string, o: { mode: InitMode; feature: string; file: string }): MergeResult {
  const notes: string[] = [];
  // New properties and elements go first: appended after a last entry, jsonc-parser would
  // move that entry's trailing comment onto the new one.
  const options = { formattingOptions: formatting(text), getInsertionIndex: () => 0 };
  const edit = (path: (string | number)[], value: unknown, isArrayInsertion = false) => {
    text = applyEdits(text, modify(text, path, value, { ...options, isArrayInsertion }));
  };
  const config = parseConfig(text, o.file);

  const features = config.features && typeof config.features === "object" ? config.features : {};
  const existing = Object.keys(features).find(isCordonFeature);
  const key = existing ?? o.feature;
  const current = existing ? (features[existing] as Record<string, unknown> | undefined) : undefined;
  if (!existing) edit(["features", key], { mode: o.mode });
  else if (typeof current !== "object" || current === null) edit(["features", key], { mode: o.mode });
  else if (current.mode !== o.mode) edit(["features", key, "mode"], o.mode);

  const args = (): unknown[] => {
    const r = parseConfig(text, o.file).runArgs;
    return Array.isArray(r) ? r : [];
  };
  const removeWhere = (pred: (a: string) => boolean, why: (a: string) => string) => {
    const removed: string[] = [];
    for (let i = args().length - 1; i >= 0; i--) {
      const a = args()[i];
      if (typeof a === "string" && pred(a)) {
        removed.unshift(why(a));
        edit(["runArgs", i], undefined);
      }
    }
    notes.push(...removed);
  };
  if (o.mode === "nested") {
    removeWhere(
      (a) => (isSeccompArg(a) && a !== SECCOMP) || a === "--security-opt=seccomp=unconfined",
      (a) => `runArgs: replaced ${a} with cordon's seccomp profile (Docker's default plus what bwrap needs)`,
    );
    if (!Array.isArray(parseConfig(text, o.file).runArgs)) edit(["runArgs"], [...NESTED_RUN_ARGS]);
    else NESTED_RUN_ARGS.forEach((a, i) => args().includes(a) || edit(["runArgs", i], a, true));
  } else {
    removeWhere(
      (a) => (NESTED_RUN_ARGS as readonly string[]).includes(a) || WEAKENING.test(a),
      (a) =>
        `runArgs: removed ${a}: with the container as the boundary, Docker's own seccomp and AppArmor profiles stay on`,
    );
  }

  if (config.initializeCommand === undefined) edit(["initializeCommand"], HOST_PREPARE);
  else if (config.initializeCommand !== HOST_PREPARE)
    notes.push(
      `${o.file} has its own initializeCommand: make sure .git/hooks exists before the container starts (the Feature binds it read-only), as .devcontainer/cordon/host-prepare.sh does`,
    );

  const after = parseConfig(text, o.file);
  if (after.privileged === true || args().includes("--privileged"))
    notes.push(
      `${o.file} runs the container privileged: the agent could remove the firewall and leave the container. Remove "privileged" / --privileged.`,
    );
  if (typeof after.remoteUser !== "string" || after.remoteUser === "root")
    notes.push(
      `${o.file} sets no non-root "remoteUser": the cordon Feature refuses to build without one (as root the agent could remove the firewall). Set it to a user your image has.`,
    );
  return { text, notes };
}

/** devcontainer.json for a repository that has none: the base image comes from the Dockerfile beside it. */
export function freshDevcontainer(mode: InitMode, feature: string): string {
  const runArgs =
    mode === "nested"
      ? [
          "",
          "  // The narrowest loosenings that let the agent user start bubblewrap (cordon's",
          "  // seccomp profile is Docker's default plus what bwrap needs).",
          '  "runArgs": [',
          ...NESTED_RUN_ARGS.map((a, i) => `    ${JSON.stringify(a)}${i < NESTED_RUN_ARGS.length - 1 ? "," : ""}`),
          "  ],",
        ]
      : [];
  return [
    "// Dev container with cordon, written by `cordon init`: the agent, bubblewrap and the",
    "// egress firewall (.devcontainer/allowlist.toml) come from the cordon Feature.",
    "{",
    '  "name": "cordon",',
    '  "build": {',
    '    "dockerfile": "Dockerfile",',
    "    // Empty unless the host sets it: then the Dockerfile's default base image.",
    '    "args": { "BASE_IMAGE": "${localEnv:CORDON_BASE_IMAGE}" }',
    "  },",
    '  "remoteUser": "dev",',
    '  "updateRemoteUserUID": true,',
    "  // .git/hooks and .git/config must exist on the host: the Feature binds them read-only.",
    `  "initializeCommand": ${JSON.stringify(HOST_PREPARE)},`,
    `  "features": {`,
    `    ${JSON.stringify(feature)}: { "mode": ${JSON.stringify(mode)} }`,
    "  },",
    ...runArgs,
    '  "customizations": { "vscode": { "settings": { "remote.autoForwardPorts": false } } }',
    "}",
    "",
  ].join("\n");
}

/** The Dockerfile beside a fresh devcontainer.json. */
export const FRESH_DOCKERFILE = `# The dev container's base image: any Debian or Ubuntu image. The cordon Feature
# (.devcontainer/cordon) adds the agent, bubblewrap and the egress firewall.
ARG BASE_IMAGE=ubuntu:24.04
FROM \${BASE_IMAGE:-ubuntu:24.04}
# cordon needs a non-root user for the agent (remoteUser). Ubuntu's images have
# \`ubuntu\` on uid 1000; it makes way so the agent's user gets the usual uid.
RUN if id -u ubuntu >/dev/null 2>&1; then userdel -r ubuntu; fi \\
 && (id -u dev >/dev/null 2>&1 || useradd --create-home --shell /bin/bash --uid 1000 dev)
`;
