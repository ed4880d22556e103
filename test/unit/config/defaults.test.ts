// A run with no config file takes the defaults written out in defaults.ts instead of building
// the schemas: they must be exactly what the schemas give, and must not hide a managed config
// or a -c flag.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { defaultConfig } from "../../../agent/config/defaults.js";
import { loadConfig, setConfigOverrides } from "../../../agent/config/load.js";
import { defaultRequirements, requirementsSchema } from "../../../agent/config/requirements.js";
import { configSchemas } from "../../../agent/config/schema.js";

const dir = mkdtempSync(join(tmpdir(), "cordon-config-defaults-"));
const savedSystemDir = process.env.CORDON_SYSTEM_DIR;
afterEach(() => {
  setConfigOverrides([]);
  if (savedSystemDir === undefined) delete process.env.CORDON_SYSTEM_DIR;
  else process.env.CORDON_SYSTEM_DIR = savedSystemDir;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A stand-in for /etc/cordon (honoured only where /etc/cordon does not exist, as here). */
const systemDir = (name: string, files: Record<string, string>) => {
  const d = join(dir, name);
  mkdirSync(d, { recursive: true });
  for (const [f, text] of Object.entries(files)) writeFileSync(join(d, f), text);
  process.env.CORDON_SYSTEM_DIR = d;
};
const missing = join(dir, "no-such-home", "config.toml");

describe("the defaults a run without a config file takes", () => {
  it("are what the schemas give for an empty file and an absent requirements.toml", () => {
    expect(defaultConfig()).toEqual(configSchemas().ConfigFile.parse({}));
    expect(defaultRequirements()).toEqual(requirementsSchema().parse({}));
  });

  it("are a fresh object each time: one caller's change is not the next one's", () => {
    const a = defaultConfig();
    a.shell_environment_policy.exclude.push("AWS_*");
    a.profiles.x = {};
    expect(defaultConfig()).toEqual(configSchemas().ConfigFile.parse({}));
    const r = defaultRequirements();
    r.shell_environment_policy.exclude.push("X");
    expect(defaultRequirements().shell_environment_policy.exclude).toEqual([]);
  });

  it("are what loadConfig gives for a missing file with nothing managed and no -c", () => {
    systemDir("empty-etc", {});
    expect(loadConfig(missing)).toEqual(configSchemas().ConfigFile.parse({}));
  });

  it("never hide a managed config or a -c flag: those still go through the schema", () => {
    systemDir("managed-etc", { "managed_config.toml": 'sandbox_mode = "read-only"\n' });
    expect(loadConfig(missing).sandbox_mode).toBe("read-only");
    systemDir("empty-etc-2", {});
    setConfigOverrides(["model=gpt-test"]);
    expect(loadConfig(missing).model).toBe("gpt-test");
    setConfigOverrides(["sandbox_mod=1"]);
    expect(() => loadConfig(missing)).toThrow(/sandbox_mod/);
  });
});
