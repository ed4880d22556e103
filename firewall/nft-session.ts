// One long-lived `nft -i` for the forwarder's admissions (the refresher's
// steps, which need no low latency, use an nft process each: cheaper in CPU,
// measured side by side): a script goes in as one line (one
// transaction) followed by a marker command whose output says the script is
// done, so an update costs a write and a read instead of a process start.
// Errors come back on stderr before the marker. If the session dies or
// stalls, the next update starts a new one.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { NftError } from "./nft-apply.js";

/**
 * Asks nft to describe an expression: answered from nft's own tables, no netlink round trip, so it
 * adds 0.1 ms to a transaction where listing a set added 0.2-0.3 ms (of 0.55 ms in all).
 */
const MARKER_CMD = "describe meta mark";
/**
 * nft's interactive mode runs on libedit or readline, which load ~/.nft.history at start and write
 * it back at exit (and read ~/.editrc or ~/.inputrc). Every update is a line, so with a writable
 * HOME that file grows without bound (370 MB on a machine that ran the benches as root), and a big
 * one made every line cost 8 ms instead of 0.3. The session reads and writes no per-user file.
 */
const SESSION_ENV = { HOME: "/nonexistent", EDITRC: "/dev/null", INPUTRC: "/dev/null", TERM: "dumb" };
/** The marker's output line ("meta expression, datatype mark (packet mark) ..., 32 bits"). */
const MARKER_OUT = /datatype mark\b[^\n]*\n/;

/** The session itself failed (not the script): the caller may fall back to a one-off `nft -f`. */
export class NftSessionError extends NftError {}

export class NftSession {
  private proc: ChildProcessWithoutNullStreams | null = null;
  private out = "";
  private err = "";
  private waiting: { resolve: () => void; reject: (e: Error) => void; timer: NodeJS.Timeout } | null = null;
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly timeoutMs = 5000) {}

  private start(): ChildProcessWithoutNullStreams {
    const p = spawn("nft", ["-i"], {
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, ...SESSION_ENV },
    });
    this.proc = p;
    p.stdout.setEncoding("utf8");
    p.stderr.setEncoding("utf8");
    // Events of a session that was already replaced are not this one's business.
    const mine = () => this.proc === p;
    p.stdout.on("data", (d: string) => {
      if (!mine()) return;
      this.out += d;
      const m = MARKER_OUT.exec(this.out);
      if (m) {
        this.out = this.out.slice(m.index + m[0].length);
        // stderr written before the marker is readable by now: let its callback run first.
        setImmediate(() => this.settle());
      }
    });
    p.stderr.on("data", (d: string) => {
      if (mine()) this.err += d;
    });
    p.on("error", (e) => mine() && this.fail(new NftSessionError(`nft -i: ${e.message}`)));
    p.on("exit", () => mine() && this.fail(new NftSessionError("nft -i exited")));
    p.stdin.on("error", () => undefined); // reported through exit
    return p;
  }

  private settle(): void {
    const w = this.waiting;
    if (!w) return;
    this.waiting = null;
    clearTimeout(w.timer);
    const err = this.err.trim();
    this.err = "";
    if (err) w.reject(new NftError(err.split("\n")[0] ?? err));
    else w.resolve();
  }

  private fail(e: Error): void {
    this.proc = null;
    this.out = "";
    this.err = "";
    const w = this.waiting;
    this.waiting = null;
    if (w) {
      clearTimeout(w.timer);
      w.reject(e);
    }
  }

  /** Applies `script` (nft commands, one per line) as one transaction. */
  apply(script: string): Promise<void> {
    const line = script
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean)
      .join("; ");
    const run = () =>
      new Promise<void>((resolve, reject) => {
        if (!line) return resolve();
        if (!this.proc) this.proc = this.start();
        const timer = setTimeout(() => {
          this.proc?.kill("SIGKILL");
          this.fail(new NftSessionError(`nft -i did not answer in ${this.timeoutMs} ms`));
        }, this.timeoutMs);
        this.waiting = { resolve, reject, timer };
        this.proc.stdin.write(`${line}\n${MARKER_CMD}\n`);
      });
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  close(): void {
    this.proc?.kill();
    this.proc = null;
  }
}
