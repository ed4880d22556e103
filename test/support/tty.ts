// Interactive cordon through a real pseudo-terminal, for tests that answer
// prompts as a user would.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { CLI, cliEnv } from "./agent-cli.js";

// eslint-disable-next-line no-control-regex
export const plain = (s: string) => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "").replace(/\r/g, "");

export interface Tty {
  child: ChildProcessWithoutNullStreams;
  output(): string;
  waitFor(re: RegExp, ms?: number): Promise<void>;
  send(keys: string): void;
  exited(): Promise<number | null>;
}

/** cordon in a pseudo-terminal (util-linux `script`), with the agent fixture's environment. */
export function startTty(base: string, ws: string, home: string, args: string[] = []): Tty {
  const cmd = ["node", CLI, ...args].map((a) => `'${a}'`).join(" ");
  const child = spawn("script", ["-qfec", cmd, "/dev/null"], {
    cwd: ws,
    env: cliEnv(base, home, { TERM: "xterm", COLUMNS: "200" }),
  });
  let out = "";
  // waitFor looks only at what came after the last send, so an earlier prompt cannot satisfy it.
  let mark = 0;
  child.stdout.on("data", (c: Buffer) => (out += c.toString("utf8")));
  child.stderr.on("data", (c: Buffer) => (out += c.toString("utf8")));
  const exit = new Promise<number | null>((r) => child.on("close", (code) => r(code)));
  return {
    child,
    output: () => plain(out),
    async waitFor(re, ms = 15_000) {
      const t0 = Date.now();
      while (!re.test(plain(out.slice(mark)))) {
        if (Date.now() - t0 > ms)
          throw new Error(`timed out waiting for ${re}; output so far:\n${plain(out).slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    send: (keys) => {
      mark = out.length;
      child.stdin.write(keys);
    },
    exited: () => exit,
  };
}
