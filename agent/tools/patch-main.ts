// `cordon __apply-patch`: the half of apply_patch that runs inside the
// sandbox. cordon starts itself under bwrap with the turn's policy and hands
// the parsed operations over stdin, so a patch can write exactly what a
// sandboxed command could, and nothing the agent process decides is the only
// defence. Prints one JSON PatchResult.
import { readFileSync } from "node:fs";
import type { PatchOp } from "./patch-parse.js";
import { writePatch } from "./patch-write.js";

export interface PatchRequest {
  cwd: string;
  roots: string[];
  ops: PatchOp[];
}

export function patchMain(): void {
  let req: PatchRequest;
  try {
    req = JSON.parse(readFileSync(0, "utf8")) as PatchRequest;
  } catch (e) {
    process.stdout.write(
      JSON.stringify({
        ok: false,
        message: `patch not applied: unreadable request (${(e as Error).message})`,
        files: [],
      }),
    );
    process.exitCode = 2;
    return;
  }
  process.stdout.write(JSON.stringify(writePatch(req.ops, req.cwd, req.roots)));
}
