// The refresher log's rotation on a real file, with a writer that keeps an
// O_APPEND descriptor open across the rotation (as the daemon does).
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { rotateIfLarge } from "../../firewall/dns-refresher/log-rotation.js";

const dir = mkdtempSync(join(tmpdir(), "cordon-log-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("rotates past the limit, keeps one old copy, and the open writer continues at the start", () => {
  const file = join(dir, "refresher.log");
  const fd = openSync(file, "a");
  writeSync(fd, "x".repeat(2000));
  expect(rotateIfLarge(file, 4096)).toBe(false);
  writeSync(fd, "y".repeat(3000));
  expect(rotateIfLarge(file, 4096)).toBe(true);
  expect(statSync(`${file}.1`).size).toBe(5000);
  expect(statSync(file).size).toBe(0);
  writeSync(fd, "after rotation\n");
  closeSync(fd);
  expect(readFileSync(file, "utf8")).toBe("after rotation\n"); // no hole of zeros before it
  expect(rotateIfLarge(join(dir, "missing.log"), 1)).toBe(false);
});
