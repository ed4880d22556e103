// The allowlist source must not be writable by anyone but root (real files, real ownership).
import { execFileSync } from "node:child_process";
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

describe.skipIf(!asRoot)("allowlist source on a read-only bind mount (a mount namespace of its own)", () => {
  const checker = new URL("../../dist/firewall/source-safety.js", import.meta.url).pathname;
  /** unsafeSourceReason(file) in a new mount namespace after `setup` ran there. */
  const checkIn = (setup: string, file: string) =>
    execFileSync(
      "unshare",
      [
        "-m",
        "--propagation",
        "private",
        "sh",
        "-c",
        `${setup} && node --input-type=module -e 'const m = await import(process.argv[1]); console.log(JSON.stringify(m.unsafeSourceReason(process.argv[2])))' ${checker} ${file}`,
      ],
      { encoding: "utf8" },
    ).trim();
  const dir = mkdtempSync("/var/tmp/cordon-ro-");
  const ws = join(dir, "ws", ".devcontainer");
  mkdirSync(ws, { recursive: true });
  writeFileSync(join(ws, "allowlist.toml"), "version = 1\n");
  chownSync(join(ws, "allowlist.toml"), 1000, 1000);
  chownSync(ws, 1000, 1000);
  const target = join(dir, "share", "workspace", ".devcontainer");
  mkdirSync(target, { recursive: true });

  it("accepts a file the agent user owns when a read-only bind mount holds it (as the Feature mounts .devcontainer)", () => {
    expect(checkIn(`mount --bind -o ro ${ws} ${target}`, join(target, "allowlist.toml"))).toBe("null");
  });
  it("refuses the same file through the writable path, and through a writable bind", () => {
    expect(checkIn("true", join(ws, "allowlist.toml"))).toMatch(/owned by uid 1000, not root/);
    expect(checkIn(`mount --bind ${ws} ${target}`, join(target, "allowlist.toml"))).toMatch(/owned by uid 1000/);
  });
  it("refuses a read-only mount under a directory the user could rename", () => {
    const open = join(dir, "open");
    mkdirSync(join(open, "ro"), { recursive: true });
    chownSync(open, 1000, 1000);
    expect(checkIn(`mount --bind -o ro ${ws} ${open}/ro`, join(open, "ro", "allowlist.toml"))).toMatch(
      /open is owned by uid 1000, not root/,
    );
  });
});
