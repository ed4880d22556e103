// The long-lived `nft -i` session against real nftables, in a network
// namespace of its own (unshare -n): updates land as one transaction each, a
// bad one is reported with nft's message and spoils nothing after it, a
// session that died is replaced, a missing table fails fast.
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const asRoot = process.getuid?.() === 0;
const session = new URL("../../dist/firewall/nft-session.js", import.meta.url).pathname;
const render = new URL("../../dist/firewall/nft-render.js", import.meta.url).pathname;

/** Runs `body` (an async function body with `s`, an NftSession, and `list()`) in a fresh netns; its JSON result. */
function inNetns(body: string): unknown {
  const script = `
    const { NftSession } = await import(${JSON.stringify(session)});
    const { DENY_ALL, renderRuleset } = await import(${JSON.stringify(render)});
    const { execFileSync } = await import("node:child_process");
    execFileSync("nft", ["-f", "-"], { input: renderRuleset({ ...DENY_ALL, phase: "enforce" }) });
    const list = () => JSON.parse(execFileSync("nft", ["-j", "list", "set", "inet", "cordon", "allow4"], { encoding: "utf8" })).nftables.find((x) => x.set).set.elem?.map((e) => e.elem?.val ?? e) ?? [];
    // A generous bound: under a loaded CI machine starting nft -i took over 2 s once; the assertions tell nft's own errors from this timeout.
    const s = new NftSession(15000);
    const out = await (async () => { ${body} })();
    s.close();
    console.log(JSON.stringify(out));
  `;
  const r = spawnSync("unshare", ["-n", process.execPath, "--input-type=module", "-e", script], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout.trim().split("\n").pop()!);
}

describe.skipIf(!asRoot)("nft -i session (real nftables in a network namespace)", () => {
  it("applies each script as one transaction and reports a bad one with nft's words, without spoiling the next", () => {
    const r = inNetns(`
      await s.apply("add element inet cordon allow4 { 198.51.100.1 timeout 60s }\\nadd element inet cordon allow4 { 198.51.100.2 timeout 60s }\\n");
      const first = list();
      let error = null;
      try { await s.apply("add element inet cordon allow4 { 198.51.100.3 timeout 60s }\\nadd element inet cordon allow4 { 300.1.1.1 }\\n"); } catch (e) { error = e.message; }
      const afterBad = list();
      await s.apply("add element inet cordon allow4 { 198.51.100.4 timeout 60s }\\n");
      return { first, error, afterBad, last: list() };
    `) as { first: string[]; error: string | null; afterBad: string[]; last: string[] };
    expect(r.first).toEqual(["198.51.100.1", "198.51.100.2"]);
    expect(r.error).toMatch(/Error/);
    expect(r.afterBad).toEqual(["198.51.100.1", "198.51.100.2"]); // all or nothing: .3 did not land either
    expect(r.last).toEqual(["198.51.100.1", "198.51.100.2", "198.51.100.4"]);
  });

  it("starts a new session when the old one died, and fails fast when the table is gone", () => {
    const r = inNetns(`
      await s.apply("add element inet cordon allow4 { 198.51.100.1 timeout 60s }\\n");
      s.close();
      await s.apply("add element inet cordon allow4 { 198.51.100.9 timeout 60s }\\n");
      const revived = list();
      execFileSync("nft", ["delete", "table", "inet", "cordon"]);
      let error = null;
      try { await s.apply("add element inet cordon allow4 { 198.51.100.5 timeout 60s }\\n"); } catch (e) { error = e.message; }
      return { revived, error };
    `) as { revived: string[]; error: string | null };
    expect(r.revived).toEqual(["198.51.100.1", "198.51.100.9"]);
    // nft's own words, not the session's "did not answer" timeout.
    expect(r.error).toMatch(/^Error: No such file or directory/);
  });

  it("takes a long script through its scratch file, still as one transaction, and refuses a path nft would read otherwise", () => {
    const scratch = mkdtempSync(join(tmpdir(), "cordon-nft-scratch-"));
    try {
      const r = inNetns(`
        const { NftSession } = await import(${JSON.stringify(session)});
        const { existsSync } = await import("node:fs");
        const f = new NftSession(15000, ${JSON.stringify(join(scratch, "update.nft"))});
        const many = (from, n) => Array.from({ length: n }, (_, i) => "198.51." + (100 + ((from + i) >> 8)) + "." + ((from + i) & 255) + " timeout 60s").join(", ");
        const long = "add element inet cordon allow4 { " + many(0, 300) + " }\\n";
        await f.apply(long);
        const landed = list().length;
        let error = null;
        try { await f.apply("add element inet cordon allow4 { " + many(300, 300) + " }\\nadd element inet cordon allow4 { 300.1.1.1 }\\n"); } catch (e) { error = e.message; }
        const afterBad = list().length;
        await f.apply("add element inet cordon allow4 { 198.51.100.250 timeout 60s }\\n"); // short: a line
        f.close();
        let refused = null;
        try { new NftSession(1000, "/tmp/a\\" b.nft"); } catch (e) { refused = e.message; }
        return { long: long.length, landed, error, afterBad, last: list().length, file: existsSync(${JSON.stringify(join(scratch, "update.nft"))}), refused };
      `) as Record<string, unknown>;
      expect(r).toEqual({
        long: expect.any(Number),
        landed: 300,
        error: expect.stringMatching(/Error/),
        afterBad: 300, // all or nothing, as for a line
        last: 300, // .250 was among the first 300
        file: true,
        refused: expect.stringMatching(/absolute path of letters/),
      });
      expect(r.long as number).toBeGreaterThan(2048); // it did go through the file
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it("applies every command of a script with comments: as a line (comment lines dropped) or, with a # inside a command, through its file", () => {
    const scratch = mkdtempSync(join(tmpdir(), "cordon-nft-scratch-"));
    try {
      const r = inNetns(`
        const { NftSession } = await import(${JSON.stringify(session)});
        // Joined into one line, the comment would have silenced the two commands after it.
        await s.apply("# first a comment\\nadd element inet cordon allow4 { 198.51.100.1 timeout 60s }\\n  # and another\\nadd element inet cordon allow4 { 198.51.100.2 timeout 60s }\\n");
        const asLine = list();
        const f = new NftSession(15000, ${JSON.stringify(join(scratch, "update.nft"))});
        await f.apply("add element inet cordon allow4 { 198.51.100.3 timeout 60s } # a trailing comment\\nadd element inet cordon allow4 { 198.51.100.4 timeout 60s }\\n");
        f.close();
        const { existsSync } = await import("node:fs");
        return { asLine, viaFile: list(), file: existsSync(${JSON.stringify(join(scratch, "update.nft"))}) };
      `) as Record<string, unknown>;
      expect(r).toEqual({
        asLine: ["198.51.100.1", "198.51.100.2"],
        viaFile: ["198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.100.4"],
        file: true,
      });
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it("writes no scratch file into a folder others may write: such a script fails as the session's, a short one still goes as a line", () => {
    const scratch = mkdtempSync(join(tmpdir(), "cordon-nft-scratch-"));
    chmodSync(scratch, 0o777);
    try {
      const r = inNetns(`
        const { NftSession, NftSessionError } = await import(${JSON.stringify(session)});
        const { existsSync } = await import("node:fs");
        const f = new NftSession(15000, ${JSON.stringify(join(scratch, "update.nft"))});
        const many = Array.from({ length: 300 }, (_, i) => "198.51." + (100 + (i >> 8)) + "." + (i & 255) + " timeout 60s").join(", ");
        let error = null;
        try { await f.apply("add element inet cordon allow4 { " + many + " }\\n"); } catch (e) { error = { session: e instanceof NftSessionError, message: e.message }; }
        await f.apply("add element inet cordon allow4 { 203.0.113.7 timeout 60s }\\n");
        f.close();
        return { error, file: existsSync(${JSON.stringify(join(scratch, "update.nft"))}), set: list() };
      `) as Record<string, unknown>;
      expect(r).toEqual({
        error: { session: true, message: expect.stringMatching(/is not this process's alone/) },
        file: false,
        set: ["203.0.113.7"],
      });
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it("writes no history into HOME: the daemon's every update would be a line in ~/.nft.history", async () => {
    const home = mkdtempSync(join(tmpdir(), "cordon-nft-home-"));
    try {
      // The Node process exits without closing the session: nft reads end-of-file and exits
      // the way it does when the daemon dies, which is when it writes its history.
      const script = `
        const { NftSession } = await import(${JSON.stringify(session)});
        const { DENY_ALL, renderRuleset } = await import(${JSON.stringify(render)});
        const { execFileSync } = await import("node:child_process");
        execFileSync("nft", ["-f", "-"], { input: renderRuleset({ ...DENY_ALL, phase: "enforce" }) });
        const s = new NftSession(15000);
        await s.apply("add element inet cordon allow4 { 198.51.100.1 timeout 60s }\\n");
        const listed = execFileSync("nft", ["list", "set", "inet", "cordon", "allow4"], { encoding: "utf8" });
        console.log(JSON.stringify({ pid: s.proc.pid, landed: listed.includes("198.51.100.1") }));
        process.exit(0);
      `;
      const r = spawnSync("unshare", ["-n", process.execPath, "--input-type=module", "-e", script], {
        encoding: "utf8",
        env: { ...process.env, HOME: home },
      });
      if (r.status !== 0) throw new Error(r.stderr);
      const { pid, landed } = JSON.parse(r.stdout.trim().split("\n").pop()!) as { pid: number; landed: boolean };
      // Bounded wait for that nft to finish exiting (and so to have written whatever it writes).
      for (let i = 0; i < 100 && existsSync(`/proc/${pid}`); i++) await new Promise((res) => setTimeout(res, 50));
      expect({ landed, exited: !existsSync(`/proc/${pid}`), home: readdirSync(home) }).toEqual({
        landed: true,
        exited: true,
        home: [],
      });
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
