// The only place that runs nft. Each call is one `nft -f -` transaction:
// all of it applies, or none of it.
import { execa } from "execa";

export class NftError extends Error {}

export async function applyNft(script: string): Promise<void> {
  const r = await execa("nft", ["-f", "-"], { input: script, reject: false, timeout: 30_000 });
  if (r.exitCode !== 0) {
    const why = r.stderr.trim() || (r.shortMessage ?? `exit ${String(r.exitCode)}`);
    const hint = /Operation not permitted/.test(why) ? " (nft needs root with CAP_NET_ADMIN: run the container with --cap-add=NET_ADMIN)" : "";
    throw new NftError(`nft rejected the ruleset: ${why}${hint}`);
  }
}

export async function listTableJson(): Promise<unknown | null> {
  const r = await execa("nft", ["-j", "list", "table", "inet", "cordon"], { reject: false, timeout: 10_000 });
  if (r.exitCode !== 0) return null;
  return JSON.parse(r.stdout) as unknown;
}
