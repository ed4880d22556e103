import { readFileSync } from "node:fs";
import { docker, type OfflineImages } from "./docker.js";
import { sh, TestHostContainer } from "./test-host.js";
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
  /** host:container[:ro] binds. */
  volumes?: string[];
  /** A seccomp profile file for the container (the Docker API takes the profile's text). */
  seccompProfile?: string;
}): Promise<Running> {
  let c = new TestHostContainer(SECURE_IMAGE)
    .withInit()
    .withUser("root")
    .withLabels({ "cordon.testnet": "1" })
    .withNetworkMode(opts.network)
    .withAddedCapabilities("NET_ADMIN")
    .withEnvironment(opts.env ?? {})
    .withBindMounts(
      (opts.volumes ?? []).map((v) => {
        const [source = "", target = "", mode] = v.split(":");
        return { source, target, mode: mode === "ro" ? ("ro" as const) : ("rw" as const) };
      }),
    )
    .withCommand(["sleep", "infinity"]);
  if (opts.dns) c = c.withDns(opts.dns);
  if (opts.seccompProfile) c = c.withSecurityOpt(`seccomp=${readFileSync(opts.seccompProfile, "utf8")}`);
  const started = await c.start();
  return {
    id: started.getId(),
    sh: (script, user = "cordon") => sh(started, script, user),
    remove: async () => {
      await started.stop({ remove: true, removeVolumes: true });
    },
  };
}
