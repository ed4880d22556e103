// The refresher's long-lived nft against the real nft, in a network
// namespace of its own (the host's ruleset is never touched).
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const script = fileURLToPath(new URL("../fixtures/nft/session-check.ts", import.meta.url));

describe("NftSession (nft -i)", () => {
  it("applies updates as transactions, reports a failed one without applying any of it, and survives nft dying", () => {
    const out = JSON.parse(execFileSync("unshare", ["-n", "node", "--import", "tsx", script], { encoding: "utf8", timeout: 60_000 })) as Record<string, string>;
    expect(out.afterFirst).toMatch(/192\.0\.2\.1 timeout 30s/);
    expect(out.afterFirst).toMatch(/192\.0\.2\.2 timeout 1m/);
    expect(out.bad).toMatch(/nft rejected the update: Error: No such file or directory/);
    expect(out.afterBad).not.toContain("192.0.2.9"); // the valid half of the failed line was not applied
    for (let i = 0; i < 50; i++) expect(out.afterMany).toContain(`192.0.2.${100 + i}`);
    expect(out.afterKill).toContain("192.0.2.250");
  });
});
