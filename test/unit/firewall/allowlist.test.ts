import { describe, expect, it } from "vitest";
import { parseAllowlist } from "../../../firewall/allowlist-load.js";
import { isDomainName, isWildcardPattern } from "../../../firewall/allowlist-schema.js";

const F = "/etc/cordon/allowlist.toml";
const err = (src: string) => {
  try {
    parseAllowlist(src, F);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error("expected an error");
};

describe("allowlist file", () => {
  it("applies defaults to a minimal file", () => {
    const a = parseAllowlist("version = 1\n", F);
    expect(a.dns.resolvers).toEqual(["system"]);
    expect(a.allow).toEqual({ names: [], required: [] });
    expect(a.host.ports).toEqual([]); // no host access unless asked for
    expect(a.refresher).toEqual({
      min_ttl: 30,
      max_ttl: 3600,
      grace: 60,
      max_addresses_per_name: 64,
      min_interval: 5,
      enabled: true,
    });
  });

  it("accepts the shipped allowlist and the test allowlist", async () => {
    const { readFileSync } = await import("node:fs");
    for (const f of [".devcontainer/allowlist.toml", "test/fixtures/testnet/allowlist.toml"]) {
      const src = readFileSync(new URL(`../../../${f}`, import.meta.url), "utf8");
      expect(() => parseAllowlist(src, f)).not.toThrow();
    }
  });

  // Each bad file and the exact error it gets.
  it.each([
    [
      "TOML syntax",
      "version = 1\n[allow\n",
      /^\/etc\/cordon\/allowlist\.toml: invalid allowlist\n {2}- line 2, column \d+: TOML syntax error/,
    ],
    ["wrong version", "version = 2\n", /line 1: version: 2 Invalid input: expected 1/],
    ["missing version", "[allow]\nnames = []\n", /\(top level\)|version: .*expected 1/],
    ["unknown top-level key", "version = 1\nallowed = []\n", /line 2: unknown key "allowed"/],
    ["unknown nested key", "version = 1\n[allow]\nnames = []\ncolour = 1\n", /line 4: unknown key "allow\.colour"/],
    [
      "invalid name",
      'version = 1\n[allow]\nnames = ["ok.test", "Bad_Name.test"]\n',
      /line 3: allow\.names\[1\]: "Bad_Name\.test" is not a valid DNS name/,
    ],
    [
      "single label",
      'version = 1\n[allow]\nnames = ["localhost"]\n',
      /allow\.names\[0\]: "localhost" is not a valid DNS name/,
    ],
    [
      "bad wildcard",
      'version = 1\n[allow]\nnames = ["*foo.test"]\n',
      /"\*foo\.test" is not a valid DNS name or wildcard/,
    ],
    [
      "required not listed",
      'version = 1\n[allow]\nnames = ["a.test"]\nrequired = ["b.test"]\n',
      /line 4: allow\.required\[0\]: "b\.test" "b\.test" is required but not listed/,
    ],
    [
      "bad CIDR",
      'version = 1\n[cidrs]\nstatic = ["10.0.0.0/33"]\n',
      /line 3: cidrs\.static\[0\]: "10\.0\.0\.0\/33" is not a valid IPv4 or IPv6 CIDR/,
    ],
    ["bad resolver", 'version = 1\n[dns]\nresolvers = ["dns.google"]\n', /dns\.resolvers\[0\]: "dns\.google"/],
    [
      "port as string",
      'version = 1\n[host]\nports = ["22"]\n',
      /line 3: host\.ports\[0\]: "22" Invalid input: expected number, received string/,
    ],
    ["port out of range", "version = 1\n[host]\nports = [70000]\n", /host\.ports\[0\]: 70000/],
    [
      "source without url or file",
      'version = 1\n[[cidrs.sources]]\nname = "gh"\n',
      /cidrs\.sources\[0\].*needs exactly one of url or file/,
    ],
    [
      "bad self-check target",
      'version = 1\n[self_check]\nmust_fail = ["example"]\n',
      /self_check\.must_fail\[0\]: "example" is not a target URL/,
    ],
    [
      "ttl bounds inverted",
      "version = 1\n[refresher]\nmin_ttl = 100\nmax_ttl = 10\n",
      /refresher.*min_ttl must not exceed max_ttl/,
    ],
  ])("%s", (_name, src, expected) => {
    expect(err(src)).toMatch(expected);
  });

  it("lists every problem, not just the first", () => {
    const m = err('version = 1\n[allow]\nnames = ["A.test", "b..test"]\n[host]\nports = [0]\n');
    expect(m.split("\n").filter((l) => l.startsWith("  - "))).toHaveLength(3);
  });
});

describe("name syntax", () => {
  it.each([
    ["api.openai.com", true],
    ["a.test", true],
    ["xn--bcher-kva.example", true],
    ["a-b.c-d.test", true],
    ["-a.test", false],
    ["a-.test", false],
    ["a..test", false],
    ["A.test", false],
    ["test", false],
    [`${"a".repeat(64)}.test`, false],
    ["a_b.test", false],
    ["", false],
    ["a.test.", false],
  ])("%s -> %s", (name, ok) => expect(isDomainName(name)).toBe(ok));
  it("wildcards cover a suffix only", () => {
    expect(isWildcardPattern("*.github.com")).toBe(true);
    expect(isWildcardPattern("*github.com")).toBe(false);
    expect(isWildcardPattern("a.*.com")).toBe(false);
  });
});
