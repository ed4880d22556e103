// The tools as the model sees them.
import type { ToolSpec } from "../model/items.js";

export const SHELL_TOOL: ToolSpec = {
  name: "shell",
  description:
    'Run a command. `command` is an argv array; use ["bash", "-lc", "..."] for shell syntax. It runs in the sandbox unless with_escalated_permissions is true, which asks the user and needs a justification.',
  parameters: {
    type: "object",
    properties: {
      command: { type: "array", items: { type: "string" } },
      workdir: { type: "string", description: "working directory (default: the session's)" },
      timeout_ms: { type: "number" },
      with_escalated_permissions: {
        type: "boolean",
        description: "run outside the sandbox entirely (asks the user; give a justification)",
      },
      additional_permissions: {
        type: "object",
        description:
          "extra permissions for this call only, inside the sandbox (asks the user): network access, or extra writable paths",
        properties: { network: { type: "boolean" }, writable_paths: { type: "array", items: { type: "string" } } },
        additionalProperties: false,
      },
      justification: { type: "string" },
    },
    required: ["command"],
    additionalProperties: false,
  },
};

export const APPLY_PATCH_TOOL: ToolSpec = {
  name: "apply_patch",
  description:
    "Edit files with a patch: '*** Begin Patch', then '*** Add File: p' (lines '+'), '*** Update File: p' (optional '*** Move to: q', hunks '@@' with ' ', '-', '+' lines), '*** Delete File: p', then '*** End Patch'. It is applied inside the sandbox. Paths in .git/.agents/.cordon/.codex are refused; a path outside the writable roots asks the user for that path.",
  parameters: {
    type: "object",
    properties: { patch: { type: "string" } },
    required: ["patch"],
    additionalProperties: false,
  },
};

export const TOOLS = [SHELL_TOOL, APPLY_PATCH_TOOL];
