// `cordon sandbox [-P NAME] [-p PROFILE] [-C DIR] [--log-denials] -- CMD...`
import { existsSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { readJsonOrNull, writeJsonAtomic } from "../../common/json-file.js";
import { cordonHome, loadConfig } from "../config/load.js";
import { loadManaged } from "../config/managed.js";
import { checkRequirements } from "../config/requirements.js";
import { commandEnvFromConfig } from "../sandbox/command-env.js";
import { exportListings, importListings } from "../sandbox/folder-listings.js";
import { policyFromEnvironment } from "../sandbox/from-environment.js";
import { placeholdersRemoved, runSandboxed } from "../sandbox/run.js";

export async function sandboxAction(
  command: string[],
  opts: { permissionsProfile?: string; profile?: string; cd?: string; logDenials?: boolean },
): Promise<void> {
  const cwd = resolve(opts.cd ?? process.cwd());
  if (!existsSync(cwd) || !statSync(cwd).isDirectory()) throw new Error(`-C ${opts.cd}: no such directory`);
  const config = loadConfig();
  const policy = policyFromEnvironment(
    {
      cwd,
      ...(opts.permissionsProfile ? { permissionsProfile: opts.permissionsProfile } : {}),
      ...(opts.profile ? { profile: opts.profile } : {}),
    },
    config,
  );
  const managed = loadManaged();
  if (managed.requirementsFile) {
    checkRequirements(
      managed.requirements,
      managed.requirementsFile,
      { sandboxMode: policy.mode },
      () => "for cordon sandbox",
    );
  }
  // The folder listings the last `cordon sandbox` read (see folder-listings.ts): each is checked
  // against its folder's ctime before use, and only unchanged folders are not read again.
  const listingsFile = join(cordonHome(), "cache", "folder-listings.json");
  importListings(readJsonOrNull(listingsFile));
  const r = await runSandboxed(policy, command, {
    explain: Boolean(opts.logDenials),
    env: commandEnvFromConfig(config),
  });
  const next = exportListings();
  if (next) {
    try {
      writeJsonAtomic(listingsFile, next);
    } catch {
      // a read-only home: the next launch reads the folders again
    }
  }
  for (const d of r.denials) process.stderr.write(`cordon sandbox: blocked by ${d.rule}: ${d.message}\n`);
  if (r.signal) {
    // Die the same way, so the caller's shell sees 128+n (once the workspace is left as it was).
    await placeholdersRemoved();
    process.removeAllListeners(r.signal);
    process.kill(process.pid, r.signal);
    return;
  }
  process.exitCode = r.exitCode ?? 1;
}
