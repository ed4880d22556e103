import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../../../agent/config/load.js";
import { ConfigFile } from "../../../agent/config/schema.js";
import { buildBwrapArgs } from "../../../agent/sandbox/bwrap-args.js";
import { explainDenials } from "../../../agent/sandbox/explain.js";
import type { FsFacts } from "../../../agent/sandbox/fs-facts.js";
import { splitGlob } from "../../../agent/sandbox/glob-expand.js";
import { PolicyError, resolvePolicy, type PolicyInputs } from "../../../agent/sandbox/policy.js";

const cfg = (toml = "") => parseConfig(toml, "/home/u/.cordon/config.toml");
const inputs = (over: Partial<PolicyInputs> = {}): PolicyInputs => ({
  config: ConfigFile.parse({}), cwd: "/ws", home: "/home/u", tmpdirEnv: "/var/tmp/u", cordonHome: "/home/u/.cordon", inGitRepo: true, cli: {}, ...over,
});

describe("sandbox policy resolution", () => {
  it("defaults to workspace-write in a git repo and read-only elsewhere", () => {
    expect(resolvePolicy(inputs()).mode).toBe("workspace-write");
    expect(resolvePolicy(inputs({ inGitRepo: false })).mode).toBe("read-only");
  });
  it("a boundary default replaces the git-based default but not explicit choices", () => {
    expect(resolvePolicy(inputs({ defaultMode: "danger-full-access" })).mode).toBe("danger-full-access");
    expect(resolvePolicy(inputs({ defaultMode: "danger-full-access", cli: { permissionsProfile: ":workspace" } })).mode).toBe("workspace-write");
    expect(resolvePolicy(inputs({ defaultMode: "danger-full-access", config: cfg('sandbox_mode = "read-only"\n') })).mode).toBe("read-only");
    // A named profile granting "." = "write" makes the workspace writable outside a git repository too.
    const writes = cfg('default_permissions = "dev"\n[permissions.dev.filesystem]\n":workspace_roots" = { "." = "write" }\n');
    expect(resolvePolicy(inputs({ inGitRepo: false, config: writes })).mode).toBe("workspace-write");
    expect(resolvePolicy(inputs({ inGitRepo: false, config: writes })).writableRoots).toContain("/ws");
    expect(resolvePolicy(inputs({ inGitRepo: false, config: cfg('default_permissions = "ro"\n[permissions.ro.filesystem]\n"/ws/x" = "read"\n') })).mode).toBe("read-only");
  });
  it("workspace-write: cwd, $TMPDIR and /tmp writable, network off", () => {
    const p = resolvePolicy(inputs());
    expect(p.writableRoots).toEqual(["/tmp", "/ws", "/var/tmp/u"]);
    expect(p.network).toBe(false);
  });
  it("honours exclude_tmpdir_env_var, exclude_slash_tmp, writable_roots (~ expanded) and network_access", () => {
    const p = resolvePolicy(inputs({ config: cfg('[sandbox_workspace_write]\nexclude_tmpdir_env_var = true\nexclude_slash_tmp = true\nwritable_roots = ["~/cache", "/opt/out"]\nnetwork_access = true\n') }));
    expect(p.writableRoots).toEqual(["/ws", "/opt/out", "/home/u/cache"]);
    expect(p.network).toBe(true);
  });
  it("read-only has no writable roots and no network, even with network_access", () => {
    const p = resolvePolicy(inputs({ config: cfg('sandbox_mode = "read-only"\n[sandbox_workspace_write]\nnetwork_access = true\n') }));
    expect(p.writableRoots).toEqual([]);
    expect(p.network).toBe(false);
  });
  it("precedence: CLI > selected profile > file > defaults", () => {
    const c = cfg('sandbox_mode = "read-only"\nprofile = "dev"\n[profiles.dev]\nsandbox_mode = "workspace-write"\n[profiles.ro]\nsandbox_mode = "read-only"\n');
    expect(resolvePolicy(inputs({ config: c })).mode).toBe("workspace-write"); // profile over file
    expect(resolvePolicy(inputs({ config: c, cli: { profile: "ro" } })).mode).toBe("read-only"); // CLI profile over file's profile
    expect(resolvePolicy(inputs({ config: c, cli: { sandboxMode: "danger-full-access" } })).mode).toBe("danger-full-access");
    expect(resolvePolicy(inputs({ config: c, cli: { permissionsProfile: ":read-only" } })).mode).toBe("read-only");
  });
  it("permission profiles: write adds roots, read makes read-only, none denies (paths and globs)", () => {
    const c = cfg('default_permissions = "ws"\n[permissions.ws.filesystem]\n":workspace_roots" = { "." = "write", "docs" = "read", "**/*.env" = "none" }\n"/srv/shared" = "write"\n"~/.ssh" = "none"\nglob_scan_max_depth = 3\n');
    const p = resolvePolicy(inputs({ config: c }));
    expect(p.writableRoots).toContain("/srv/shared");
    expect(p.readOnlyPaths).toEqual(["/ws/docs"]);
    expect(p.denyRead).toEqual(["/ws/**/*.env", "/home/u/.ssh"]);
    expect(p.globScanMaxDepth).toBe(3);
    expect(p.permissionsProfile).toBe("ws");
  });
  it(":project_roots is an alias of :workspace_roots", () => {
    const c = cfg('[permissions.p.filesystem]\n":project_roots" = { "*.pem" = "none" }\n');
    expect(resolvePolicy(inputs({ config: c, cli: { permissionsProfile: "p" } })).denyRead).toEqual(["/ws/*.pem"]);
  });
  it.each([
    [{ profile: "nope" }, /no profile named "nope" \(defined: none\)/],
    [{ permissionsProfile: "nope" }, /no permission profile named "nope" \(known: :read-only, :workspace, :danger-full-access\)/],
  ])("rejects unknown names %o", (cli, re) => {
    expect(() => resolvePolicy(inputs({ cli }))).toThrow(re);
  });
  it("refuses a deny-read glob rooted at /", () => {
    const c = cfg('[permissions.p.filesystem]\n"/**/*.env" = "none"\n');
    expect(() => resolvePolicy(inputs({ config: c, cli: { permissionsProfile: "p" } }))).toThrow(PolicyError);
  });
  it("full access has network and no sandbox roots", () => {
    const p = resolvePolicy(inputs({ cli: { sandboxMode: "danger-full-access" } }));
    expect(p.network).toBe(true);
    expect(p.writableRoots).toEqual([]);
  });
});

describe("config file errors (file, line, key, value)", () => {
  const F = "/home/u/.cordon/config.toml";
  const err = (src: string) => {
    try {
      parseConfig(src, F);
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return (e as Error).message;
    }
    throw new Error("expected an error");
  };
  it.each([
    ["syntax", 'sandbox_mode = "read-only\n', /^\/home\/u\/\.cordon\/config\.toml: invalid configuration\n {2}- line 1, column \d+: TOML syntax error/],
    ["unknown key", "sandbox_mod = 1\n", /line 1: unknown key "sandbox_mod"/],
    ["bad mode", 'sandbox_mode = "workspace"\n', /line 1: sandbox_mode: "workspace" Invalid option: expected one of "read-only"\|"workspace-write"\|"danger-full-access"/],
    ["wrong type", "[sandbox_workspace_write]\nnetwork_access = \"yes\"\n", /line 2: sandbox_workspace_write\.network_access: "yes" Invalid input: expected boolean/],
    ["unknown nested key", "[sandbox_workspace_write]\nnetwork = true\n", /line 2: unknown key "sandbox_workspace_write\.network"/],
    ["relative writable root", '[sandbox_workspace_write]\nwritable_roots = ["out"]\n', /line 2: sandbox_workspace_write\.writable_roots\[0\]: "out" must be an absolute path/],
    ["bad access value", '[permissions.p.filesystem]\n"/etc" = "rw"\n', /line 2: permissions\.p\.filesystem\.\/etc: "rw" Invalid option/],
    ["relative path key", '[permissions.p.filesystem]\n"etc" = "read"\n', /key "etc" must be an absolute path or glob/],
    ["profile missing", 'profile = "fast"\n', /profile = "fast" names no \[profiles\.fast\] table/],
    ["bad granular", "[approval_policy.granular]\nsandbox_approval = 1\n", /approval_policy/],
    ["glob depth", "glob_scan_max_depth = 0\n", /line 1: glob_scan_max_depth: 0 Too small/],
  ])("%s", (_n, src, re) => {
    const m = err(src);
    expect(m).toMatch(re);
    expect(m).toMatch(/Nothing was run/);
  });
});

const facts: FsFacts = {
  writableRoots: ["/ws", "/tmp"], protectedExisting: ["/ws/.git"], protectedMissing: ["/ws/.agents"], readOnly: ["/ws/docs"],
  denyFiles: ["/ws/a.env"], denyDirs: ["/ws/secrets"], notes: [], pinnedDirs: [], privateDirs: [], sockets: { dirs: [], files: [] }, protectedEmpty: [],
};

describe("bwrap argument builder", () => {
  const p = resolvePolicy(inputs());
  const argv = buildBwrapArgs(p, facts, { proc: "proc", seccompFd: 3 }, ["sh", "-c", "true"]);
  const pos = (...xs: string[]) => argv.findIndex((_, i) => xs.every((x, j) => argv[i + j] === x));
  it("builds the whole command line, in the order that keeps every mask on top", () => {
    const full: FsFacts = {
      ...facts, writableRoots: ["/tmp", "/ws"], pinnedDirs: ["/ws/conf"], denyFiles: ["/ws/conf/a.env"], privateDirs: ["/home/u/.cordon"],
      sockets: { dirs: ["/run/docker"], files: ["/run/docker.sock"] }, protectedEmpty: ["/tmp/.git"],
    };
    expect(buildBwrapArgs(p, full, { proc: "proc", seccompFd: 3, infoFd: 4, dropCaps: true }, ["true"])).toEqual([
      "--new-session", "--die-with-parent", "--ro-bind", "/", "/", "--dev", "/dev",
      "--bind", "/tmp", "/tmp", "--bind", "/ws", "/ws", "--bind", "/ws/conf", "/ws/conf",
      "--ro-bind", "/ws/docs", "/ws/docs",
      "--ro-bind", "/ws/.git", "/ws/.git",
      "--perms", "0555", "--tmpfs", "/ws/.agents", "--remount-ro", "/ws/.agents",
      "--perms", "0555", "--tmpfs", "/tmp/.git", "--remount-ro", "/tmp/.git",
      "--perms", "0000", "--tmpfs", "/ws/secrets", "--remount-ro", "/ws/secrets",
      "--ro-bind", "/dev/null", "/ws/conf/a.env",
      "--perms", "0000", "--tmpfs", "/home/u/.cordon", "--remount-ro", "/home/u/.cordon",
      "--perms", "0000", "--tmpfs", "/run/docker", "--remount-ro", "/run/docker",
      "--ro-bind", "/dev/null", "/run/docker.sock",
      "--unshare-user", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try", "--cap-drop", "ALL", "--unshare-net",
      "--proc", "/proc", "--chdir", "/ws", "--seccomp", "3", "--info-fd", "4", "--", "true",
    ]);
  });
  it("starts read-only, with session and parent-death safety", () => {
    expect(argv.slice(0, 7)).toEqual(["--new-session", "--die-with-parent", "--ro-bind", "/", "/", "--dev", "/dev"]);
  });
  it("binds writable roots shallowest first, then protections over them", () => {
    const nested = buildBwrapArgs(p, { ...facts, writableRoots: ["/ws/sub/deeper", "/ws"] }, { proc: "proc" }, ["true"]).join(" ");
    expect(nested.indexOf("--bind /ws /ws")).toBeLessThan(nested.indexOf("--bind /ws/sub/deeper /ws/sub/deeper"));
    expect(pos("--bind", "/tmp", "/tmp")).toBeGreaterThan(0);
    expect(pos("--ro-bind", "/ws/.git", "/ws/.git")).toBeGreaterThan(pos("--bind", "/ws", "/ws"));
    expect(pos("--perms", "0555", "--tmpfs", "/ws/.agents", "--remount-ro", "/ws/.agents")).toBeGreaterThan(0);
    expect(pos("--ro-bind", "/ws/docs", "/ws/docs")).toBeGreaterThan(0);
  });
  it("masks deny-read directories and files after everything that could re-expose them", () => {
    const dir = pos("--perms", "0000", "--tmpfs", "/ws/secrets", "--remount-ro", "/ws/secrets");
    const file = pos("--ro-bind", "/dev/null", "/ws/a.env");
    expect(dir).toBeGreaterThan(pos("--ro-bind", "/ws/.git", "/ws/.git"));
    expect(file).toBeGreaterThan(0);
  });
  it("unshares user, pid and net; fresh /proc; chdir; seccomp; then the command", () => {
    for (const f of ["--unshare-user", "--unshare-pid", "--unshare-net"]) expect(argv).toContain(f);
    expect(argv.slice(-9)).toEqual(["--proc", "/proc", "--chdir", "/ws", "--seccomp", "3", "--", "sh", "-c", "true"].slice(-9));
  });
  it("keeps the network with network access, and falls back to a read-only /proc bind", () => {
    const a = buildBwrapArgs({ ...p, network: true }, facts, { proc: "bind" }, ["true"]);
    expect(a).not.toContain("--unshare-net");
    expect(a.join(" ")).toContain("--ro-bind /proc /proc");
    expect(a).not.toContain("--seccomp");
  });
  it("refuses an empty command", () => {
    expect(() => buildBwrapArgs(p, facts, { proc: "proc" }, [])).toThrow(/no command/);
  });
});

describe("denial explanations", () => {
  const p = resolvePolicy(inputs());
  it.each([
    ["touch: cannot touch '/etc/passwd': Read-only file system", "read-only root", "/etc/passwd"],
    ["touch: cannot touch '.git/config': Read-only file system", "protected metadata", "/ws/.git/config"],
    ["mkdir: cannot create directory '/ws/.agents/x': Read-only file system", "protected metadata", "/ws/.agents/x"],
    ["ls: cannot open directory '/ws/secrets': Permission denied", "deny-read profile", "/ws/secrets"],
    ["curl: (6) Could not resolve host: example.test", "no network", undefined],
    ["curl: (7) Failed to connect to 127.0.0.1 port 9 after 0 ms: Couldn't connect to server", "no network", undefined],
    ['  File "/usr/lib/python3.11/socket.py", line 836, in create_connection\n    sock = socket(af, socktype, proto)\nPermissionError: [Errno 1] Operation not permitted', "no network", undefined],
  ])("%s -> %s", (stderr, rule, path) => {
    const d = explainDenials(stderr, p, facts);
    expect(d[0]?.rule).toBe(rule);
    expect(d[0]?.path).toBe(path);
  });
  it("says nothing when nothing was denied", () => {
    expect(explainDenials("error: expected ';'", p, facts)).toEqual([]);
  });
});

describe("glob split", () => {
  it.each([
    ["/ws/**/*.env", "/ws", "**/*.env"],
    ["/ws/a/*.pem", "/ws/a", "*.pem"],
    ["/ws/{a,b}/x", "/ws", "{a,b}/x"],
  ])("%s", (g, base, rest) => expect(splitGlob(g)).toEqual({ base, rest }));
});
