// One long-lived `nft -i` for the daemon's set updates (the forwarder's
// admissions and the refresher's steps): a script goes in as one line, or a
// file the line includes, (one transaction) followed by a marker command
// whose output says the script is done, so an update costs a write and a read
// instead of a process start. Errors come back on stderr before the marker.
// If the session dies or stalls, the next update starts a new one.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { lstatSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
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

/**
 * Longer scripts go in through a file the session includes: nft's line editor takes about 40 us per
 * element of a line, its file parser a tenth of that (1000 elements: 42 ms in a line, 7 ms from a
 * file, 23 ms for an `nft -f` process of their own).
 */
const INLINE_MAX = 2048;
/** A path nft's include takes as it is: no quotes, globs or spaces to escape. */
const PLAIN_PATH = /^\/[\w./-]+$/;

/** The session itself failed (not the script): the caller may fall back to a one-off `nft -f`. */
export class NftSessionError extends NftError {}

export class NftSession {
  private proc: ChildProcessWithoutNullStreams | null = null;
  private out = "";
  private err = "";
  private waiting: { resolve: () => void; reject: (e: Error) => void; timer: NodeJS.Timeout } | null = null;
  private queue: Promise<void> = Promise.resolve();

  /**
   * `scratchFile`: where scripts longer than a line should be are written for the session to include.
   * Its directory must be writable by this process only (nft runs what the file says, as written when
   * it reads it): checked at each write, and a script whose file cannot be written safely fails with
   * NftSessionError (sessionApply then runs it as an `nft -f` of its own). Without one, every script
   * goes in as a line.
   */
  constructor(
    private readonly timeoutMs = 5000,
    private readonly scratchFile: string | null = null,
  ) {
    if (scratchFile !== null && !PLAIN_PATH.test(scratchFile))
      throw new Error(`nft session scratch file ${scratchFile}: use an absolute path of letters, digits, . _ / -`);
  }

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
    // nft's own words: its "Error: ..." line (an included file's comes after an "In file included
    // from" line and its location), else the first line.
    const said = err.split("\n").find((l) => l.includes("Error: "));
    if (err) w.reject(new NftError(said ? said.slice(said.indexOf("Error: ")) : (err.split("\n")[0] ?? err)));
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

  /** Starts nft now (otherwise the first `apply` does): its start-up then overlaps the caller's work. */
  open(): void {
    if (!this.proc) this.proc = this.start();
  }

  /** Applies `script` (nft commands, one per line) as one transaction. */
  apply(script: string): Promise<void> {
    // A line is one command to nft: lines joined, a comment would silence every command after it.
    // Comment lines are dropped; a "#" left inside a command sends the script through the file.
    const lines = script
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith("#"));
    const viaFile = this.scratchFile !== null && (script.length > INLINE_MAX || lines.some((l) => l.includes("#")));
    const line = viaFile ? `include "${this.scratchFile}"` : lines.join("; ");
    const run = () =>
      new Promise<void>((resolve, reject) => {
        if (!line) return resolve();
        // Written on this script's turn: the one before has been read by then (its marker came back).
        if (viaFile)
          try {
            const dir = dirname(this.scratchFile as string);
            const st = lstatSync(dir);
            if (!st.isDirectory() || st.uid !== process.getuid?.() || (st.mode & 0o022) !== 0)
              throw new Error(`its folder ${dir} is not this process's alone`);
            writeFileSync(this.scratchFile as string, script);
          } catch (e) {
            return reject(new NftSessionError(`could not write ${this.scratchFile}: ${(e as Error).message}`));
          }
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

/**
 * `apply` through `session`, falling back to an `nft -f` process per update once the session itself
 * has broken twice (an nft whose interactive mode does not work here). A script's own error is the
 * caller's, whichever way it went.
 */
export function sessionApply(
  session: NftSession,
  fallback: (script: string) => Promise<void>,
  log: (line: string) => void,
): (script: string) => Promise<void> {
  let failures = 0;
  return (script) =>
    failures >= 2
      ? fallback(script)
      : session.apply(script).catch((e: unknown) => {
          if (!(e instanceof NftSessionError)) throw e;
          if (++failures === 2) log(`nft -i does not work here (${e.message}); using one nft process per update`);
          return fallback(script);
        });
}
