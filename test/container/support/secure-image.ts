import { docker, type OfflineImages } from "./docker.js";
import { REPO_ROOT } from "./workspace.js";

export const SECURE_IMAGE = "cordon-test/secure";

/** Builds .devcontainer/Dockerfile.secure from the stand-ins (layer cache makes repeats cheap). */
export async function buildSecureImage(images: OfflineImages): Promise<string> {
  const r = await docker(
    [
      "build",
      "-q",
      "-t",
      SECURE_IMAGE,
      "-f",
      `${REPO_ROOT}/.devcontainer/Dockerfile.secure`,
      "--build-arg",
      `BASE_IMAGE=${images.BASE_IMAGE}`,
      "--build-arg",
      `NODE_IMAGE=${images.NODE_IMAGE}`,
      REPO_ROOT,
    ],
    { timeout: 1_500_000 },
  );
  if (r.exitCode !== 0)
    throw new Error(`building the secure image failed:\n${r.stderr.split("\n").slice(-30).join("\n")}`);
  return SECURE_IMAGE;
}

export interface Running {
  id: string;
  /** Runs a bash script in the container; as the agent user unless told otherwise. */
  sh(script: string, user?: string): Promise<{ exitCode: number; stdout: string; stderr: string }>;
  remove(): Promise<void>;
}

/** Starts the secure image the way the boundary configuration does, on a given network. */
export async function runSecure(opts: {
  network: string;
  dns?: string;
  env?: Record<string, string>;
  volumes?: string[];
  extraArgs?: string[];
}): Promise<Running> {
  const args = [
    "run",
    "-d",
    "--init",
    "-u",
    "root",
    "--label",
    "cordon.testnet=1",
    "--network",
    opts.network,
    ...(opts.dns ? ["--dns", opts.dns] : []),
    "--cap-add",
    "NET_ADMIN",
    ...(opts.extraArgs ?? []),
    ...Object.entries(opts.env ?? {}).flatMap(([k, v]) => ["-e", `${k}=${v}`]),
    ...(opts.volumes ?? []).flatMap((v) => ["-v", v]),
    SECURE_IMAGE,
    "sleep",
    "infinity",
  ];
  const r = await docker(args);
  if (r.exitCode !== 0) throw new Error(`docker run failed: ${r.stderr}`);
  const id = r.stdout.trim();
  return {
    id,
    sh: async (script, user = "cordon") => {
      const x = await docker(["exec", "-u", user, id, "bash", "-c", script], { timeout: 120_000 });
      return { exitCode: x.exitCode ?? -1, stdout: x.stdout, stderr: x.stderr };
    },
    remove: async () => {
      await docker(["rm", "-f", id]);
    },
  };
}
