// Where a fresh procfs cannot be mounted (cordon's seccomp profile without
// systempaths=unconfined), the sandbox falls back to a read-only bind of the
// outer /proc, says so in `cordon doctor`, and still confines writes and network.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dockerAvailable, offlineImages } from "./support/docker.js";
import { buildSecureImage, runSecure, type Running } from "./support/secure-image.js";
import { REPO_ROOT } from "./support/workspace.js";

const hasDocker = await dockerAvailable();

describe.skipIf(!hasDocker)("sandbox /proc fallback", () => {
  let c: Running;
  beforeAll(async () => {
    await buildSecureImage(await offlineImages());
    c = await runSecure({
      network: "none",
      seccompProfile: `${REPO_ROOT}/.devcontainer/seccomp/seccomp-bwrap.json`,
    });
    await c.sh("mkdir -p /home/cordon/ws && cd /home/cordon/ws && git init -q");
  });
  afterAll(async () => c?.remove());

  it("doctor reports no fresh /proc, the nested sandbox, and the fix", async () => {
    const d = JSON.parse((await c.sh("cd /home/cordon/ws && cordon doctor --json")).stdout) as {
      procMount: boolean;
      userNamespaces: boolean;
      agentMode: string;
      fix: string;
    };
    expect(d).toMatchObject({ procMount: false, userNamespaces: true, agentMode: "nested sandbox" });
    expect(d.fix).toMatch(/systempaths=unconfined/);
  });

  it("still runs commands confined: workspace writable, root read-only, no network", async () => {
    const r = await c.sh(
      "cd /home/cordon/ws && cordon sandbox -- bash -c 'echo ok > f && cat f; touch /home/cordon/out 2>&1; head -1 /proc/self/status; tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d \" \"'",
    );
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ok$/m);
    expect(r.stdout).toMatch(/\/home\/cordon\/out.*Read-only file system/);
    expect(r.stdout).toMatch(/^Name:\s+head/m);
    expect(r.stdout.trim().split("\n").pop()).toBe("lo");
    // The twin: /proc cannot be mounted fresh here, which is what forced the fallback.
    const raw = await c.sh("bwrap --unshare-user --unshare-pid --ro-bind / / --proc /proc true");
    expect(raw.stderr).toMatch(/Can't mount proc/);
  });
});
