import { execa } from "execa";

/**
 * Container suites need a Docker engine. Without one they fail with a message
 * that says how to get it, unless CORDON_SKIP_CONTAINER_TESTS=1 is set
 * explicitly (CI never sets it).
 */
export async function dockerAvailable(): Promise<boolean> {
  const r = await execa("docker", ["info", "--format", "{{.ServerVersion}}"], { reject: false, timeout: 20_000 });
  if (r.exitCode === 0) return true;
  if (process.env.CORDON_SKIP_CONTAINER_TESTS === "1") return false;
  throw new Error(
    "No Docker engine answers (`docker info` failed: " +
      (r.stderr.split("\n")[0] || r.shortMessage) +
      "). Install Debian's docker.io package (apt-get install docker.io) and start it " +
      "(`dockerd &` or `systemctl start docker`), or run `bash .ci/run`, which does both. " +
      "To skip the container suites deliberately, set CORDON_SKIP_CONTAINER_TESTS=1.",
  );
}

export interface OfflineImages {
  BASE_IMAGE: string;
  NODE_IMAGE: string;
  /** Debian 13, a second base for the Feature's tests. */
  TRIXIE_IMAGE: string;
}

/** Builds (or reuses) the offline stand-ins and returns their build arguments. */
export async function offlineImages(): Promise<OfflineImages> {
  const script = new URL("../../../scripts/offline-images.sh", import.meta.url).pathname;
  const r = await execa("bash", [script], { timeout: 1_200_000, stderr: "inherit" });
  const vars = Object.fromEntries(
    r.stdout
      .split("\n")
      .filter((l) => l.includes("="))
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  ) as Partial<OfflineImages>;
  if (!vars.BASE_IMAGE || !vars.NODE_IMAGE || !vars.TRIXIE_IMAGE)
    throw new Error(`offline-images.sh printed no build arguments:\n${r.stdout}`);
  return { BASE_IMAGE: vars.BASE_IMAGE, NODE_IMAGE: vars.NODE_IMAGE, TRIXIE_IMAGE: vars.TRIXIE_IMAGE };
}

export async function docker(args: string[], opts: { input?: string; timeout?: number } = {}) {
  return execa("docker", args, { reject: false, timeout: opts.timeout ?? 60_000, input: opts.input });
}
