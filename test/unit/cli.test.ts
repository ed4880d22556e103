import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { buildProgram } from "../../agent/cli/program.js";

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  version: string;
  bin: Record<string, string>;
};

describe("cordon CLI", () => {
  it("reports the package.json version in-process", () => {
    expect(buildProgram().version()).toBe(pkg.version);
  });

  it("built binary prints the version and help", () => {
    const bin = new URL(`../../${pkg.bin.cordon}`, import.meta.url).pathname;
    expect(execFileSync(process.execPath, [bin, "--version"], { encoding: "utf8" }).trim()).toBe(pkg.version);
    const help = execFileSync(process.execPath, [bin, "--help"], { encoding: "utf8" });
    expect(help).toMatch(/^Usage: cordon/m);
  });

  it("rejects an unknown option with a hint and non-zero exit", () => {
    const bin = new URL(`../../${pkg.bin.cordon}`, import.meta.url).pathname;
    let status = 0;
    let stderr = "";
    try {
      execFileSync(process.execPath, [bin, "--no-such-flag"], { encoding: "utf8", stdio: "pipe" });
    } catch (e) {
      const err = e as { status: number; stderr: string };
      status = err.status;
      stderr = err.stderr;
    }
    expect(status).not.toBe(0);
    expect(stderr).toContain("unknown option '--no-such-flag'");
  });
});

describe("exit statuses", () => {
  const bin = new URL(`../../${pkg.bin.cordon}`, import.meta.url).pathname;
  const run = (args: string[]) => {
    try {
      return {
        status: 0,
        stderr: execFileSync(process.execPath, [bin, ...args], {
          encoding: "utf8",
          stdio: "pipe",
          env: { ...process.env, CORDON_HOME: "/nonexistent-cordon-home-for-tests" },
        }),
      };
    } catch (e) {
      return e as { status: number; stderr: string };
    }
  };
  it.each([
    [["sandbox", "-c", "sandbox_mode=yolo", "--", "true"]],
    [["doctor", "-c", "colour=red"]],
    [["firewall", "status", "-c", "colour=red"]],
    [["exec", "-c", "colour=red", "hi"]],
    [["-c", "colour=red", "sandbox", "--", "true"]],
    [["execpolicy", "check", "--rules", "/nonexistent.rules", "--", "ls"]],
  ])("a configuration or usage error exits 2: %j", (args) => {
    const r = run(args);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/colour|yolo|no such rules file/);
  });
});
