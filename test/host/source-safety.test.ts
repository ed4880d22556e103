// The allowlist source must not be writable by anyone but root (real files, real ownership).
import { chmodSync, chownSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { unsafeSourceReason } from "../../firewall/source-safety.js";

const asRoot = process.getuid?.() === 0;

describe.skipIf(!asRoot)("allowlist source safety (needs root to set ownership)", () => {
  const dir = mkdtempSync("/var/tmp/cordon-src-");
  it("accepts a root-owned file in root-owned, non-writable directories", () => {
    const f = join(dir, "ok.toml");
    writeFileSync(f, "version = 1\n", { mode: 0o644 });
    expect(unsafeSourceReason(f)).toBeNull();
  });
  it("refuses a file owned by the agent user", () => {
    const f = join(dir, "user.toml");
    writeFileSync(f, "version = 1\n");
    chownSync(f, 1000, 1000);
    expect(unsafeSourceReason(f)).toMatch(/owned by uid 1000, not root/);
  });
  it("refuses a root-owned file in a directory the user can write", () => {
    const d = join(dir, "open");
    mkdirSync(d);
    chmodSync(d, 0o777);
    const f = join(d, "a.toml");
    writeFileSync(f, "version = 1\n");
    expect(unsafeSourceReason(f)).toMatch(/open is writable by group or others/);
  });
  it("refuses a group-writable file", () => {
    const f = join(dir, "gw.toml");
    writeFileSync(f, "version = 1\n");
    chmodSync(f, 0o664);
    expect(unsafeSourceReason(f)).toMatch(/writable by group or others \(mode 664\)/);
  });
});
