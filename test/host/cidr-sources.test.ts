// CIDR sources fetched over real HTTP on loopback: retries, timeouts, bad data.
import { createServer, type Server } from "node:http";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CidrSourceSchema } from "../../firewall/allowlist-schema.js";
import { loadCidrSource } from "../../firewall/cidr-sources.js";

let server: Server;
let base = "";
let flaky = 0;
beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === "/meta")
      return res.end(JSON.stringify({ web: ["140.82.112.0/20"], api: ["2a0a:a440::/29"], hooks: ["1.2.3.0/24"] }));
    if (req.url === "/flaky") return ++flaky < 3 ? res.writeHead(503).end() : res.end("192.0.2.0/24\n");
    if (req.url === "/evil") return res.end(JSON.stringify({ web: ["0.0.0.0/0 ; drop"] }));
    if (req.url === "/hang") return; // never answers
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const src = (o: Record<string, unknown>) => CidrSourceSchema.parse({ name: "t", ...o });

describe("CIDR sources", () => {
  it("reads the configured keys of a JSON document", async () => {
    expect(await loadCidrSource(src({ url: `${base}/meta`, keys: ["web", "api"] }))).toEqual([
      "140.82.112.0/20",
      "2a0a:a440::/29",
    ]);
  });
  it("retries with backoff until it works", async () => {
    flaky = 0;
    expect(await loadCidrSource(src({ url: `${base}/flaky`, retries: 3 }))).toEqual(["192.0.2.0/24"]);
    expect(flaky).toBe(3);
  });
  it("gives up after its retries, naming the source and the cause", async () => {
    await expect(loadCidrSource(src({ url: `${base}/missing`, retries: 1 }))).rejects.toThrow(
      /t: could not load .*\/missing after 2 attempts: HTTP 404/,
    );
  });
  it("times out a source that never answers", async () => {
    const t0 = Date.now();
    await expect(loadCidrSource(src({ url: `${base}/hang`, retries: 0, timeout_ms: 300 }))).rejects.toThrow(
      /after 1 attempts/,
    );
    expect(Date.now() - t0).toBeLessThan(3000);
  });
  it("rejects a document with one bad entry, widening nothing", async () => {
    await expect(loadCidrSource(src({ url: `${base}/evil`, keys: ["web"] }))).rejects.toThrow(/is not a CIDR/);
  });
  it("reads a file source", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cidr-"));
    const f = join(dir, "list.txt");
    writeFileSync(f, "# comment\n10.0.0.0/8\n");
    try {
      expect(await loadCidrSource(src({ file: f }))).toEqual(["10.0.0.0/8"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
