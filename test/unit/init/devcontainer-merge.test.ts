import { readFileSync } from "node:fs";
import { allowlistText } from "../../../agent/init/allowlist-text.js";
import { describe, expect, it } from "vitest";
import {
  freshDevcontainer,
  isCordonFeature,
  mergeDevcontainer,
  NESTED_RUN_ARGS,
  parseConfig,
} from "../../../agent/init/devcontainer-merge.js";

const merge = (text: string, mode: "nested" | "boundary" = "nested", feature = "./cordon") =>
  mergeDevcontainer(text, { mode, feature, file: "dc.json" });

describe("mergeDevcontainer", () => {
  it("adds the Feature and the nested runArgs to a minimal config, first, and notes the missing user", () => {
    expect(merge('{ "image": "debian:12" }')).toEqual({
      text: `{
  "initializeCommand": "sh .devcontainer/cordon/host-prepare.sh",
  "runArgs": [
    ${NESTED_RUN_ARGS.map((a) => JSON.stringify(a)).join(",\n    ")}
  ],
  "features": {
    "./cordon": {
      "mode": "nested"
    }
  },
  "image": "debian:12"
}`,
      notes: [
        'dc.json sets no non-root "remoteUser": the cordon Feature refuses to build without one (as root the agent could remove the firewall). Set it to a user your image has.',
      ],
    });
  });

  it("is idempotent, and switching modes round-trips to the same text", () => {
    const start = '{\n  "image": "x",\n  "remoteUser": "dev",\n  "runArgs": ["--init"]\n}\n';
    const nested = merge(start).text;
    expect(merge(nested)).toEqual({ text: nested, notes: [] });
    const boundary = merge(nested, "boundary");
    expect(parseConfig(boundary.text, "dc.json")).toEqual({
      image: "x",
      remoteUser: "dev",
      runArgs: ["--init"],
      features: { "./cordon": { mode: "boundary" } },
      initializeCommand: "sh .devcontainer/cordon/host-prepare.sh",
    });
    expect(merge(boundary.text, "nested").text).toBe(nested);
  });

  it("removes every unconfined security option in boundary mode, and replaces a foreign seccomp profile in nested", () => {
    const weak =
      '{"remoteUser":"dev","runArgs":["--security-opt=seccomp=unconfined","--security-opt apparmor=unconfined","--cap-add=SYS_PTRACE"]}';
    const b = merge(weak, "boundary");
    expect(parseConfig(b.text, "dc.json").runArgs).toEqual(["--cap-add=SYS_PTRACE"]);
    expect(b.notes).toHaveLength(2);
    const n = merge('{"remoteUser":"dev","runArgs":["--security-opt=seccomp=/etc/mine.json"]}');
    expect(parseConfig(n.text, "dc.json").runArgs).toEqual([...NESTED_RUN_ARGS]);
    expect(n.notes).toEqual([
      "runArgs: replaced --security-opt=seccomp=/etc/mine.json with cordon's seccomp profile (Docker's default plus what bwrap needs)",
    ]);
  });

  it("keeps a published Feature's key and options, changing only the mode", () => {
    const text =
      '{"remoteUser":"dev","features":{"ghcr.io/acme/features/cordon:1":{"mode":"boundary","firewall":"enforce"}}}';
    expect(parseConfig(merge(text).text, "dc.json").features).toEqual({
      "ghcr.io/acme/features/cordon:1": { mode: "nested", firewall: "enforce" },
    });
  });

  it("warns about a privileged container, a root user and an initializeCommand of its own", () => {
    expect(
      merge('{"remoteUser":"root","runArgs":["--privileged"],"initializeCommand":"make prep"}', "boundary").notes,
    ).toEqual([
      "dc.json has its own initializeCommand: make sure .git/hooks exists before the container starts (the Feature binds it read-only), as .devcontainer/cordon/host-prepare.sh does",
      'dc.json runs the container privileged: the agent could remove the firewall and leave the container. Remove "privileged" / --privileged.',
      'dc.json sets no non-root "remoteUser": the cordon Feature refuses to build without one (as root the agent could remove the firewall). Set it to a user your image has.',
    ]);
  });

  it("names the file, line and column of a syntax error, and refuses a non-object", () => {
    expect(() => merge('{\n  "a": 1\n  "b": 2\n}')).toThrow(
      "dc.json: not valid JSON with comments at line 3, column 3 (CommaExpected); nothing changed",
    );
    expect(() => merge("[1]")).toThrow("dc.json: the top level is not an object; nothing changed");
  });
});

describe("isCordonFeature", () => {
  it.each([
    ["./cordon", true],
    ["ghcr.io/acme/features/cordon:1", true],
    ["ghcr.io/acme/features/cordon", true],
    ["ghcr.io/acme/features/cordon@sha256:abc123", true],
    ["ghcr.io/acme/features/cordon-extras:1", false],
    ["ghcr.io/devcontainers/features/node:1", false],
  ])("%s -> %s", (key, yes) => expect(isCordonFeature(key)).toBe(yes));
});

describe("freshDevcontainer", () => {
  it("is a config the merge leaves alone, in both modes", () => {
    for (const mode of ["nested", "boundary"] as const) {
      const text = freshDevcontainer(mode, "./cordon");
      expect(merge(text, mode)).toEqual({ text, notes: [] });
    }
  });
});

describe("the Feature's source", () => {
  it("carries package.json's version", () => {
    const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };
    const feature = JSON.parse(readFileSync("features/src/cordon/devcontainer-feature.json", "utf8")) as {
      version: string;
    };
    expect(feature.version).toBe(pkg.version);
  });
});

describe("the Template's source", () => {
  const raw = (p: string) => readFileSync(`templates/src/cordon/${p}`, "utf8");
  const options = (JSON.parse(raw("devcontainer-template.json")) as { options: Record<string, { default: string }> })
    .options;
  /** A file as `devcontainer templates apply` writes it with the options' defaults. */
  const read = (p: string) => raw(p).replace(/\$\{templateOption:(\w+)\}/g, (_, k: string) => options[k]!.default);
  it("carries package.json's version, and the allowlist cordon init would write for a bare repository", () => {
    const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };
    expect((JSON.parse(raw("devcontainer-template.json")) as { version: string }).version).toBe(pkg.version);
    expect(read(".devcontainer/allowlist.toml")).toBe(allowlistText([]));
  });
  it("has the nested configuration the merge leaves alone, and a boundary one without loosenings", () => {
    const nested = read(".devcontainer/devcontainer.json");
    expect(merge(nested, "nested").text).toBe(nested);
    expect(parseConfig(nested, "t").runArgs).toEqual([...NESTED_RUN_ARGS]);
    const boundary = parseConfig(read(".devcontainer/boundary/devcontainer.json"), "t");
    expect(boundary).toMatchObject({ features: { "ghcr.io/cordon-dev/features/cordon:0": { mode: "boundary" } } });
    expect(boundary.runArgs).toBeUndefined();
  });
});
