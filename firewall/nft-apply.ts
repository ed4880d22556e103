// The only place that runs nft. Each call is one `nft -f -` transaction:
// all of it applies, or none of it. node:child_process rather than execa:
// the refresher calls this several times a second and every millisecond of
// CPU there counts.
import { spawn } from "node:child_process";

export class NftError extends Error {}

function nft(
  args: string[],
  input?: string,
  timeoutMs = 30_000,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn("nft", args, { stdio: ["pipe", "pipe", "pipe"], timeout: timeoutMs });
    let stdout = "";
    let stderr = "";
    p.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    p.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    p.on("error", (e) => resolve({ code: -1, stdout, stderr: `${stderr}${e.message}` }));
    p.on("close", (code, signal) =>
      resolve({ code: code ?? -1, stdout, stderr: signal ? `${stderr}killed by ${signal}` : stderr }),
    );
    p.stdin.on("error", () => undefined);
    p.stdin.end(input ?? "");
  });
}

export async function applyNft(script: string): Promise<void> {
  const r = await nft(["-f", "-"], script);
  if (r.code !== 0) {
    const why = r.stderr.trim() || `exit ${r.code}`;
    const hint = /Operation not permitted/.test(why)
      ? " (nft needs CAP_NET_ADMIN: run the container with --cap-add=NET_ADMIN)"
      : "";
    throw new NftError(`nft rejected the ruleset: ${why}${hint}`);
  }
}

export async function listTableJson(): Promise<unknown | null> {
  const r = await nft(["-j", "list", "table", "inet", "cordon"], undefined, 10_000);
  if (r.code !== 0) return null;
  return JSON.parse(r.stdout) as unknown;
}
