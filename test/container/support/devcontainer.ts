import { join } from "node:path";
import { execa } from "execa";
import { REPO_ROOT } from "./workspace.js";
import type { OfflineImages } from "./docker.js";

const CLI = join(REPO_ROOT, "node_modules/@devcontainers/cli/devcontainer.js");

export interface UpOptions {
  workspace: string;
  /** devcontainer.json path relative to the workspace. */
  config: string;
  images: OfflineImages;
  /** Extra host environment, e.g. CORDON_FIREWALL_MODE or CORDON_ALLOWLIST. */
  env?: Record<string, string>;
}

export interface DevContainer {
  id: string;
  /** Runs a command as the remote (non-root) user through `devcontainer exec`. */
  devExec(cmd: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }>;
  /** Runs a shell script in the container as `user` through `docker exec`. */
  sh(script: string, user?: string): Promise<{ exitCode: number; stdout: string; stderr: string }>;
  remove(): Promise<void>;
}

/** `devcontainer up` with the offline image stand-ins; throws with the CLI's log on failure. */
export async function devcontainerUp(o: UpOptions): Promise<DevContainer> {
  const env = {
    ...process.env,
    CORDON_BASE_IMAGE: o.images.BASE_IMAGE,
    CORDON_NODE_IMAGE: o.images.NODE_IMAGE,
    DOCKER_BUILDKIT: "0",
    ...o.env,
  };
  const args = [
    CLI,
    "up",
    "--workspace-folder",
    o.workspace,
    "--config",
    join(o.workspace, o.config),
    "--remove-existing-container",
    "--log-format",
    "json",
  ];
  const r = await execa(process.execPath, args, { env, reject: false, timeout: 1_500_000 });
  const last = r.stdout.trim().split("\n").pop() ?? "";
  let result: { outcome?: string; containerId?: string; message?: string } = {};
  try {
    result = JSON.parse(last) as typeof result;
  } catch {
    // fall through to the error below
  }
  if (result.outcome !== "success" || !result.containerId) {
    const tail = (r.stdout + "\n" + r.stderr).split("\n").slice(-60).join("\n");
    throw new Error(`devcontainer up failed for ${o.config}: ${result.message ?? r.shortMessage}\n${tail}`);
  }
  const id = result.containerId;
  const run = (cmd: string, a: string[]) => execa(cmd, a, { env, reject: false, timeout: 120_000 });
  return {
    id,
    devExec: async (cmd) => {
      const x = await run(process.execPath, [
        CLI,
        "exec",
        "--workspace-folder",
        o.workspace,
        "--config",
        join(o.workspace, o.config),
        ...cmd,
      ]);
      return { exitCode: x.exitCode ?? -1, stdout: x.stdout, stderr: x.stderr };
    },
    sh: async (script, user = "cordon") => {
      const x = await run("docker", [
        "exec",
        "-u",
        user,
        "-w",
        `/workspaces/${o.workspace.split("/").pop()}`,
        id,
        "bash",
        "-c",
        script,
      ]);
      return { exitCode: x.exitCode ?? -1, stdout: x.stdout, stderr: x.stderr };
    },
    remove: async () => {
      // The CLI tags an image per workspace folder; drop it (and its -uid variant) with the container.
      const image = (await run("docker", ["inspect", "-f", "{{.Config.Image}}", id])).stdout.trim();
      await run("docker", ["rm", "-f", "-v", id]);
      if (image.startsWith("vsc-")) await run("docker", ["rmi", image, image.replace(/-uid$/, "")]);
    },
  };
}
