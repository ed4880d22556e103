// Makes sandbox denials visible: from a failed command's stderr, which path or
// rule blocked it. Pure.
import { isWithin } from "../../common/paths.js";
import type { FsFacts } from "./fs-facts.js";
import type { SandboxPolicy } from "./policy.js";

export interface Denial {
  path?: string;
  rule: "read-only root" | "protected metadata" | "deny-read profile" | "no network" | "seccomp";
  message: string;
}

const PATH_IN_MSG =
  /(?:'|‘|"|`)?(\/[^\s'’":`]+|\.{0,2}[\w.-]*\/[^\s'’":`]*|[\w.-]+)(?:'|’|"|`)?\s*:\s*(Read-only file system|Permission denied|Operation not permitted)/g;

export function explainDenials(stderr: string, policy: SandboxPolicy, facts: FsFacts): Denial[] {
  const out: Denial[] = [];
  const seen = new Set<string>();
  const add = (d: Denial) => {
    const key = `${d.rule}:${d.path ?? ""}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(d);
    }
  };
  for (const m of stderr.matchAll(PATH_IN_MSG)) {
    const raw = m[1] as string;
    const err = m[2] as string;
    const path = raw.startsWith("/") ? raw : `${policy.cwd}/${raw}`.replace(/\/\.\//g, "/");
    const prot = [...facts.protectedExisting, ...facts.protectedMissing, ...facts.protectedEmpty].find((p) =>
      isWithin(path, p),
    );
    const denied = [...facts.denyDirs, ...facts.denyFiles].find((p) => isWithin(path, p));
    if (prot) {
      add({
        path,
        rule: "protected metadata",
        message: `${path} is inside ${prot}, which is read-only even in a writable root (.git, .agents, .cordon and .codex are protected)`,
      });
    } else if (denied) {
      add({
        path,
        rule: "deny-read profile",
        message: `${path} is hidden by the deny-read entry for ${denied} in permission profile ${policy.permissionsProfile ?? "(none)"}`,
      });
    } else if (err === "Read-only file system") {
      const roots = facts.writableRoots.join(", ") || "none";
      add({
        path,
        rule: "read-only root",
        message: `${path} is outside the writable roots (${roots}); sandbox mode ${policy.mode} makes everything else read-only`,
      });
    } else if (err === "Operation not permitted" && !raw.includes("/")) {
      add({
        rule: "seccomp",
        message: `${raw}: the sandbox's seccomp filter refuses this system call (ptrace, io_uring, bpf, keyrings, ... are blocked)`,
      });
    }
  }
  if (
    !policy.network &&
    (/socket[\s\S]{0,600}PermissionError: \[Errno 1\]|Couldn't connect to server/.test(stderr) ||
      /Network is unreachable|Could not resolve host|Temporary failure in name resolution|getaddrinfo|EAI_AGAIN|ENETUNREACH|Address family not supported|socket: Operation not permitted|connect EPERM|EPERM \d+\.\d+|Network unreachable/i.test(
        stderr,
      ))
  ) {
    add({
      rule: "no network",
      message:
        "the sandbox has no network (sandbox_workspace_write.network_access = false); the command cannot reach any host. The agent can ask for it for one call (additional_permissions network), or set network_access = true for the workspace",
    });
  }
  return out;
}
