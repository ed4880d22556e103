// Where a patch may write: inside the writable roots, never into protected
// metadata (.git, .agents, .cordon, .codex) or read-only or deny-read paths.
// Pure: the sandbox policy is plain data.
import { isAbsolute, normalize, relative, resolve, sep } from "node:path";
import picomatch from "picomatch";
import { PROTECTED_NAMES, type SandboxPolicy } from "../sandbox/policy.js";
import { deepestRoot, isWithin } from "../../common/paths.js";

/** Why the patch may not write `path` (relative to cwd or absolute), or null when it may. */
export function patchPathRefusal(path: string, policy: SandboxPolicy): string | null {
  const abs = normalize(isAbsolute(path) ? path : resolve(policy.cwd, path));
  if (policy.mode === "danger-full-access") return null;
  const denied = policy.denyRead.find((d) => isWithin(abs, d) || picomatch.isMatch(abs, d, { dot: true }));
  if (denied) return `${abs} is hidden by the deny-read entry ${denied}`;
  if (policy.mode === "read-only")
    return `sandbox mode read-only: ${abs} cannot be written (switch to Auto with /permissions, or --sandbox workspace-write)`;
  const root = deepestRoot(abs, policy.writableRoots);
  if (!root) return `${abs} is outside the writable roots (${policy.writableRoots.join(", ") || "none"})`;
  const parts = relative(root, abs).split(sep);
  const prot = parts.find((p) => (PROTECTED_NAMES as readonly string[]).includes(p));
  if (prot) return `${abs} is inside ${prot}, which is protected (read-only even in a writable root)`;
  const trusted = policy.hostTrustedPaths.find((t) => isWithin(abs, t));
  if (trusted)
    return `${abs} is under ${trusted}, which the host acts on (devcontainer, editor tasks); it is read-only unless sandbox_workspace_write.host_trusted_paths leaves it out`;
  const ro = policy.readOnlyPaths.find((r) => isWithin(abs, r));
  if (ro) return `${abs} is under the read-only path ${ro}`;
  return null;
}
