// The sandbox policy resolver: modes, roots, profiles, precedence.
import { describe, expect, it } from "vitest";
import { PolicyError, resolvePolicy } from "../../../agent/sandbox/policy.js";
import { cfg, inputs } from "../../support/sandbox-fixtures.js";

describe("sandbox policy resolution", () => {
  it("defaults to workspace-write in a git repo and read-only elsewhere", () => {
    expect(resolvePolicy(inputs()).mode).toBe("workspace-write");
    expect(resolvePolicy(inputs({ inGitRepo: false })).mode).toBe("read-only");
  });
  it("a boundary default replaces the git-based default but not explicit choices", () => {
    expect(resolvePolicy(inputs({ defaultMode: "danger-full-access" })).mode).toBe("danger-full-access");
    expect(
      resolvePolicy(inputs({ defaultMode: "danger-full-access", cli: { permissionsProfile: ":workspace" } })).mode,
    ).toBe("workspace-write");
    expect(
      resolvePolicy(inputs({ defaultMode: "danger-full-access", config: cfg('sandbox_mode = "read-only"\n') })).mode,
    ).toBe("read-only");
    // A named profile granting "." = "write" makes the workspace writable outside a git repository too.
    const writes = cfg(
      'default_permissions = "dev"\n[permissions.dev.filesystem]\n":workspace_roots" = { "." = "write" }\n',
    );
    expect(resolvePolicy(inputs({ inGitRepo: false, config: writes })).mode).toBe("workspace-write");
    expect(resolvePolicy(inputs({ inGitRepo: false, config: writes })).writableRoots).toContain("/ws");
    expect(
      resolvePolicy(
        inputs({
          inGitRepo: false,
          config: cfg('default_permissions = "ro"\n[permissions.ro.filesystem]\n"/ws/x" = "read"\n'),
        }),
      ).mode,
    ).toBe("read-only");
  });
  it("workspace-write: cwd, $TMPDIR and /tmp writable, network off", () => {
    const p = resolvePolicy(inputs());
    expect(p.writableRoots).toEqual(["/tmp", "/ws", "/var/tmp/u"]);
    expect(p.network).toBe(false);
  });
  it("honours exclude_tmpdir_env_var, exclude_slash_tmp, writable_roots (~ expanded) and network_access", () => {
    const p = resolvePolicy(
      inputs({
        config: cfg(
          '[sandbox_workspace_write]\nexclude_tmpdir_env_var = true\nexclude_slash_tmp = true\nwritable_roots = ["~/cache", "/opt/out"]\nnetwork_access = true\n',
        ),
      }),
    );
    expect(p.writableRoots).toEqual(["/ws", "/opt/out", "/home/u/cache"]);
    expect(p.network).toBe(true);
  });
  it("read-only has no writable roots and no network, even with network_access", () => {
    const p = resolvePolicy(
      inputs({ config: cfg('sandbox_mode = "read-only"\n[sandbox_workspace_write]\nnetwork_access = true\n') }),
    );
    expect(p.writableRoots).toEqual([]);
    expect(p.network).toBe(false);
  });
  it("precedence: CLI > selected profile > file > defaults", () => {
    const c = cfg(
      'sandbox_mode = "read-only"\nprofile = "dev"\n[profiles.dev]\nsandbox_mode = "workspace-write"\n[profiles.ro]\nsandbox_mode = "read-only"\n',
    );
    expect(resolvePolicy(inputs({ config: c })).mode).toBe("workspace-write"); // profile over file
    expect(resolvePolicy(inputs({ config: c, cli: { profile: "ro" } })).mode).toBe("read-only"); // CLI profile over file's profile
    expect(resolvePolicy(inputs({ config: c, cli: { sandboxMode: "danger-full-access" } })).mode).toBe(
      "danger-full-access",
    );
    expect(resolvePolicy(inputs({ config: c, cli: { permissionsProfile: ":read-only" } })).mode).toBe("read-only");
  });
  it("permission profiles: write adds roots, read makes read-only, none denies (paths and globs)", () => {
    const c = cfg(
      'default_permissions = "ws"\n[permissions.ws.filesystem]\n":workspace_roots" = { "." = "write", "docs" = "read", "**/*.env" = "none" }\n"/srv/shared" = "write"\n"~/.ssh" = "none"\nglob_scan_max_depth = 3\n',
    );
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
    [
      { permissionsProfile: "nope" },
      /no permission profile named "nope" \(known: :read-only, :workspace, :danger-full-access\)/,
    ],
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
