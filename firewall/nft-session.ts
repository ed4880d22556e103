// One long-lived `nft -i` for the refresher's frequent set updates: spawning
// nft for each was an eighth of the daemon's CPU. Each update is sent as one
// line (commands joined by ';'), which nft runs as one transaction; a
// following `list set` of a set that cannot exist fails with a numbered name,
// so its error marks where the update's own output (errors, if any) ends.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { NftError } from "./nft-apply.js";
import { TABLE } from "./nft-render.js";

const TIMEOUT_MS = 10_000;

export class NftSession {
  private proc: ChildProcessWithoutNullStreams | null = null;
  private stderr = "";
  private seq = 0;
  private chain: Promise<void> = Promise.resolve();
  private waiter: ((text: string | Error) => void) | null = null;
  private marker = "";

  /** Applies a script of set updates (one command per line) as one transaction; calls are serialised. */
  apply(script: string): Promise<void> {
    const run = this.chain.then(() => this.applyNow(script));
    this.chain = run.catch(() => undefined);
    return run;
  }

  close(): void {
    this.proc?.stdin.end();
    this.proc = null;
  }

  private start(): ChildProcessWithoutNullStreams {
    // TERM=dumb: nft's line editor otherwise complains about the terminal on stderr.
    const p = spawn("nft", ["-i"], { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, TERM: "dumb" } });
    p.stdout.resume(); // `list` of a missing set prints nothing; drain anyway
    p.stderr.setEncoding("utf8").on("data", (d: string) => {
      this.stderr += d;
      this.check();
    });
    const gone = (why: string) => {
      if (this.proc === p) this.proc = null;
      this.waiter?.(new NftError(`nft -i ${why}`));
    };
    p.on("error", (e) => gone(`could not start: ${e.message}`));
    p.on("exit", (code, signal) => gone(`exited (${signal ?? `status ${String(code)}`})`));
    p.stdin.on("error", () => undefined);
    return p;
  }

  private check(): void {
    if (!this.waiter || !this.marker) return;
    const lines = this.stderr.split("\n");
    const at = lines.findIndex((l) => l.includes(this.marker));
    // The marker's own error is the line before it and a caret line after it.
    if (at < 0 || lines.length < at + 3) return;
    const before = lines.slice(0, Math.max(0, at - 1)).join("\n").trim();
    this.stderr = lines.slice(at + 2).join("\n");
    const w = this.waiter;
    this.waiter = null;
    w(before);
  }

  private async applyNow(script: string): Promise<void> {
    const line = script.split("\n").map((l) => l.trim()).filter(Boolean).join("; ");
    if (!line) return;
    this.proc ??= this.start();
    const p = this.proc;
    this.marker = `__cordon_sync_${process.pid}_${++this.seq}`;
    this.stderr = "";
    const result = await new Promise<string | Error>((resolve) => {
      const timer = setTimeout(() => resolve(new NftError(`nft -i gave no answer within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
      this.waiter = (r) => {
        clearTimeout(timer);
        resolve(r);
      };
      p.stdin.write(`${line}\nlist set inet ${TABLE} ${this.marker}\n`);
    });
    this.waiter = null;
    if (result instanceof Error) {
      p.kill();
      if (this.proc === p) this.proc = null;
      throw result;
    }
    // Only nft's "Error:" lines count; anything else on stderr is chatter.
    if (/^Error:/m.test(result)) throw new NftError(`nft rejected the update: ${result}`);
  }
}
