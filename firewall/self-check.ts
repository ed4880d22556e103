// After the rules are in place: targets that must be blocked are, and targets
// that must work do. TCP connect only; a refused or reset connection counts as
// blocked, and so does a timeout.
import net from "node:net";

export interface CheckOutcome {
  target: string;
  expect: "blocked" | "reachable";
  ok: boolean;
  detail: string;
}

function hostPort(target: string): { host: string; port: number } {
  const u = new URL(target);
  const port = u.port ? Number(u.port) : u.protocol === "https:" ? 443 : 80;
  return { host: u.hostname.replace(/^\[|\]$/g, ""), port };
}

function tryConnect(
  host: string,
  port: number,
  timeoutMs: number,
): Promise<{ connected: boolean; detail: string; ms: number }> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    const done = (connected: boolean, detail: string) => {
      sock.destroy();
      resolve({ connected, detail, ms: Date.now() - t0 });
    };
    sock.setTimeout(timeoutMs, () => done(false, `no answer in ${timeoutMs} ms`));
    sock.once("connect", () => done(true, "connected"));
    sock.once("error", (e: NodeJS.ErrnoException) => done(false, e.code ?? e.message));
  });
}

export async function selfCheck(mustFail: string[], mustSucceed: string[], timeoutMs: number): Promise<CheckOutcome[]> {
  const run = async (target: string, expect: "blocked" | "reachable"): Promise<CheckOutcome> => {
    const { host, port } = hostPort(target);
    const r = await tryConnect(host, port, timeoutMs);
    const ok = expect === "blocked" ? !r.connected : r.connected;
    const detail = r.connected ? `connected in ${r.ms} ms` : `not reachable (${r.detail}, ${r.ms} ms)`;
    return { target, expect, ok, detail };
  };
  return Promise.all([...mustFail.map((t) => run(t, "blocked")), ...mustSucceed.map((t) => run(t, "reachable"))]);
}
