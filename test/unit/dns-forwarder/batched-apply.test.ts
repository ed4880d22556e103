import { describe, expect, it } from "vitest";
import { batchedApply } from "../../../firewall/dns-forwarder/batched-apply.js";

describe("batchedApply", () => {
  it("runs the first script at once and the ones that arrive meanwhile together", async () => {
    const runs: string[] = [];
    let release: () => void = () => undefined;
    const apply = batchedApply(async (s) => {
      runs.push(s);
      if (runs.length === 1) await new Promise<void>((r) => (release = r));
    });
    const first = apply("a\n");
    const rest = [apply("b\n"), apply("c\n")];
    await Promise.resolve();
    release();
    await Promise.all([first, ...rest]);
    expect(runs).toEqual(["a\n", "b\nc\n"]);
  });

  it("retries a failed batch one by one, so only the bad script fails", async () => {
    const runs: string[] = [];
    let gate: () => void = () => undefined;
    const apply = batchedApply(async (s) => {
      runs.push(s);
      if (runs.length === 1) await new Promise<void>((r) => (gate = r));
      if (s.includes("bad")) throw new Error("nft: bad element");
    });
    const first = apply("ok1\n");
    const good = apply("ok2\n");
    const bad = apply("bad\n");
    gate();
    await first;
    await expect(good).resolves.toBeUndefined();
    await expect(bad).rejects.toThrow("nft: bad element");
    expect(runs).toEqual(["ok1\n", "ok2\nbad\n", "ok2\n", "bad\n"]);
  });
});
