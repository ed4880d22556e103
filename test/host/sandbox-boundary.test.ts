// The sandbox's trust boundary, attacked: each test is what a hostile
// command would try to widen what a later command, a patch or the agent may
// do, next to the legitimate twin that must keep working. Real bubblewrap,
// the built CLI.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { settleFolders } from "../support/folder-times.js";

// What `cordon` runs: `cordon sandbox` from its one-file bundle, everything else through main.js.
const CLI = new URL("../../dist/bundle/agent/cli/cordon.cjs", import.meta.url).pathname;

let base: string;
let ws: string;
let home: string;
let tmpdir: string;

interface Run {
  code: number | null;
  out: string;
  err: string;
}

function cordon(
  args: string[],
  o: { cwd?: string; config?: string; env?: Record<string, string>; asNobody?: boolean } = {},
): Run {
  writeFileSync(join(home, "config.toml"), o.config ?? "");
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: base, CORDON_HOME: home, TMPDIR: tmpdir, ...o.env };
  const [file, argv] = o.asNobody
    ? ["setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, CLI, ...args]]
    : [process.execPath, [CLI, ...args]];
  const r = spawnSync(file, argv as string[], { cwd: o.cwd ?? ws, encoding: "utf8", timeout: 30_000, env });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
const sh = (script: string, o: Parameters<typeof cordon>[1] = {}) =>
  cordon(["sandbox", "--log-denials", "--", "bash", "-c", script], o);

beforeAll(() => {
  base = mkdtempSync("/var/tmp/cordon-boundary-");
  ws = join(base, "ws");
  home = join(base, "home");
  tmpdir = join(base, "tmpdir");
  for (const d of [ws, home, tmpdir]) mkdirSync(d);
  execFileSync("git", ["init", "-q", ws]);
  writeFileSync(join(ws, "README"), "hello\n");
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe("cordon's own state is out of reach", () => {
  it("feeds seccomp from memory: no program file exists anywhere a command can write, and the filter is on", () => {
    const r = sh(
      "grep -E '^(Seccomp|NoNewPrivs):' /proc/self/status; ls -a /tmp $TMPDIR | grep -c cordon-seccomp || true",
    );
    expect(r.out).toMatch(/^Seccomp:\s+2$/m);
    expect(r.out.trim().split("\n").pop()).toBe("0");
    expect(readdirSync(tmpdir).filter((n) => n.startsWith("cordon-seccomp"))).toEqual([]);
  });

  it.runIf(process.getuid?.() === 0)(
    "drops every capability when cordon runs as root, so masks cannot be unmounted",
    () => {
      const r = sh(
        "grep -E '^Cap(Eff|Prm|Bnd):' /proc/self/status; umount .git 2>&1; echo x >> .git/config 2>&1; true",
      );
      expect(r.out).toMatch(/^CapEff:\s+0{16}$/m);
      expect(r.out).toMatch(/^CapBnd:\s+0{16}$/m);
      expect(readFileSync(join(ws, ".git", "config"), "utf8")).not.toMatch(/^x$/m);
      // The twin: ordinary work is unaffected.
      expect(sh("echo fine > ok.txt && cat ok.txt").out).toMatch(/^fine$/m);
    },
  );

  it("hides $CORDON_HOME (config, sessions) even when it lies inside a writable root", () => {
    const inTmp = join(tmpdir, "cordon-home");
    mkdirSync(inTmp, { recursive: true });
    writeFileSync(join(inTmp, "config.toml"), 'model = "m"\n');
    const env = { CORDON_HOME: inTmp };
    const r = cordon(
      [
        "sandbox",
        "--",
        "bash",
        "-c",
        `cat ${inTmp}/config.toml 2>&1; ls ${inTmp} 2>&1; echo evil > ${inTmp}/config.toml 2>&1; touch ${tmpdir}/beside && echo wrote-beside`,
      ],
      { env },
    );
    expect(r.out).toMatch(/Permission denied/);
    expect(r.out).not.toMatch(/model = "m"/);
    expect(readFileSync(join(inTmp, "config.toml"), "utf8")).toBe('model = "m"\n');
    expect(r.out).toMatch(/wrote-beside/);
  });
});

describe("protected names at the top of every writable root", () => {
  it("keeps .git/.agents/.cordon/.codex uncreatable in $TMPDIR too, while the rest of it is writable", () => {
    const r = sh(
      "for n in .git .agents .cordon .codex; do mkdir -p $TMPDIR/$n/hooks 2>&1; done; echo data > $TMPDIR/plain && cat $TMPDIR/plain",
    );
    expect(r.out.match(/Read-only file system/g)?.length).toBe(4);
    expect(r.out).toMatch(/^data$/m);
    for (const n of [".git", ".agents", ".cordon", ".codex"]) expect(existsSync(join(tmpdir, n, "hooks"))).toBe(false);
  });

  it("a symlink planted at a protected name in a shared root does not disable the sandbox, and its target stays read-only", () => {
    const shared = join(base, "shared-tmp");
    mkdirSync(shared);
    symlinkSync(join(shared, "evil"), join(shared, ".git")); // dangling, into the shared root
    try {
      const r = cordon(["sandbox", "--", "bash", "-c", `mkdir -p $TMPDIR/evil/hooks 2>&1; echo ran`], {
        env: { TMPDIR: shared },
      });
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(/ran/);
      expect(r.out).toMatch(/Read-only file system/);
      expect(existsSync(join(shared, "evil", "hooks"))).toBe(false);
    } finally {
      rmSync(shared, { recursive: true, force: true });
    }
  });

  it("a symlink at a protected name in the workspace fails that workspace's sandbox with a clear message", () => {
    const other = join(base, "ws-link");
    mkdirSync(other);
    symlinkSync(join(base, "elsewhere"), join(other, ".codex"));
    const r = cordon(["sandbox", "-P", ":workspace", "--", "true"], { cwd: other });
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/\.codex is a symlink/);
    expect(r.err).toMatch(/Nothing was run/);
    // The twin: another workspace on the same host is unaffected.
    expect(sh("echo still-fine").out).toMatch(/still-fine/);
  });

  it("makes a nested .git pointer file and its target read-only (linked worktree, ./.bare layout)", () => {
    mkdirSync(join(ws, "bare", "hooks"), { recursive: true });
    writeFileSync(join(ws, "bare", "HEAD"), "ref: refs/heads/main\n");
    mkdirSync(join(ws, "wt"));
    writeFileSync(join(ws, "wt", ".git"), "gitdir: ../bare\n");
    const r = sh(
      "{ echo 'gitdir: /tmp/evil' > wt/.git; echo '#!/bin/sh' > bare/hooks/pre-commit; } 2>&1; echo src > wt/file && echo wrote",
    );
    expect(readFileSync(join(ws, "wt", ".git"), "utf8")).toBe("gitdir: ../bare\n");
    expect(existsSync(join(ws, "bare", "hooks", "pre-commit"))).toBe(false);
    expect(r.out.match(/Read-only file system/g)?.length).toBe(2);
    expect(r.out).toMatch(/wrote/);
  });
});

describe("what the host trusts next", () => {
  it("refuses .devcontainer.json, a new .devcontainer/<name>/ and .vscode/tasks.json; none is left behind", () => {
    const r = sh(
      "{ echo '{\"privileged\":true}' > .devcontainer.json; mkdir -p .devcontainer/evil; mkdir -p .vscode; echo '{}' > .vscode/tasks.json; } 2>&1; echo src > main.c && echo wrote",
    );
    expect(r.out).toMatch(/\.devcontainer\.json: Is a directory/);
    expect(r.out).toMatch(/\.devcontainer\/evil.*Read-only file system/);
    expect(r.out).toMatch(/\.vscode\/tasks\.json: Read-only file system/);
    expect(r.out).toMatch(/wrote/);
    for (const p of [".devcontainer.json", ".devcontainer", ".vscode"]) expect(existsSync(join(ws, p))).toBe(false);
  });

  it("can be opened up for teams that let the agent edit editor settings", () => {
    const r = sh("mkdir -p .vscode && echo '{}' > .vscode/settings.json && echo ok", {
      config: '[sandbox_workspace_write]\nhost_trusted_paths = [".devcontainer", ".devcontainer.json"]\n',
    });
    expect(r.out).toMatch(/ok/);
    expect(readFileSync(join(ws, ".vscode", "settings.json"), "utf8")).toBe("{}\n");
    rmSync(join(ws, ".vscode"), { recursive: true });
  });
});

describe("deny-read survives earlier commands", () => {
  const profile = (root: string) =>
    `default_permissions = "p"\n[permissions.p.filesystem]\n"${root}/conf/**/*.env" = "none"\n`;

  it("a denied file and its parent cannot be moved to a name the next scan misses", () => {
    mkdirSync(join(ws, "conf", "sub"), { recursive: true });
    writeFileSync(join(ws, "conf", "sub", "app.env"), "SECRET=1\n");
    writeFileSync(join(ws, "conf", "sub", "other.txt"), "x\n");
    const config = profile(ws);
    const first = sh(
      "mv conf/sub/app.env conf/sub/app.txt 2>&1; mv conf/sub conf/moved 2>&1; mv conf elsewhere 2>&1; mv conf/sub/other.txt conf/sub/other2.txt && echo renamed-other",
      { config },
    );
    expect(first.out.match(/Device or resource busy/g)?.length).toBe(3);
    expect(first.out).toMatch(/renamed-other/);
    const second = sh(
      "cat conf/sub/app.env conf/sub/app.txt elsewhere/sub/app.env conf/moved/app.env 2>/dev/null; echo end",
      { config },
    );
    expect(second.out).not.toMatch(/SECRET/);
    expect(readFileSync(join(ws, "conf", "sub", "app.env"), "utf8")).toBe("SECRET=1\n");
  });

  it.runIf(process.getuid?.() === 0)("a directory the scan cannot read fails the launch closed, naming it", () => {
    const nb = mkdtempSync("/var/tmp/cordon-nobody-");
    try {
      const w = join(nb, "ws");
      const h = join(nb, "home");
      mkdirSync(join(w, "conf"), { recursive: true });
      mkdirSync(h);
      writeFileSync(join(w, "conf", "app.env"), "SECRET=1\n");
      for (const p of [nb, w, h, join(w, "conf"), join(w, "conf", "app.env")]) chownSync(p, 65534, 65534);
      const config = `sandbox_mode = "workspace-write"\n${profile(w)}`;
      writeFileSync(join(h, "config.toml"), config);
      chownSync(join(h, "config.toml"), 65534, 65534);
      const env = { PATH: process.env.PATH ?? "", HOME: nb, CORDON_HOME: h, TMPDIR: nb };
      const run = (script: string) =>
        spawnSync(
          "setpriv",
          [
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            process.execPath,
            CLI,
            "sandbox",
            "--",
            "bash",
            "-c",
            script,
          ],
          { cwd: w, env, encoding: "utf8", timeout: 30_000 },
        );
      const twin = run("cat conf/app.env; echo read-attempted");
      expect(twin.status, twin.stderr).toBe(0);
      expect(twin.stdout).not.toMatch(/SECRET/);
      chmodSync(join(w, "conf"), 0o311); // what a command could do to blind the next scan
      const r = run("cat conf/app.env");
      expect(r.status).not.toBe(0);
      expect(r.stdout).not.toMatch(/SECRET/);
      expect(r.stderr).toContain(`cannot list ${join(w, "conf")}`);
      expect(r.stderr).toMatch(/chmod u\+rx/);
    } finally {
      rmSync(nb, { recursive: true, force: true });
    }
  });
});

describe("environment and sockets", () => {
  it("keeps secrets and agent handles out of a command's environment, and the rest in", () => {
    const config =
      'model_provider = "corp"\n[model_providers.corp]\nbase_url = "http://127.0.0.1:9/v1"\nenv_key = "CORP_LLM"\nhttp_headers = { "X-Org" = "org-header-secret-123" }\n';
    const r = cordon(["sandbox", "--", "env"], {
      config,
      env: {
        CORP_LLM: "llm-key-abcdef",
        GITHUB_TOKEN: "ghp_x",
        AWS_SECRET_ACCESS_KEY: "a",
        DB_PASSWORD: "p",
        SSH_AUTH_SOCK: "/tmp/ssh-x/agent.1",
        COPY_OF_KEY_VALUE: "llm-key-abcdef",
        ORG: "org-header-secret-123",
        MY_SETTING: "kept",
      },
    });
    expect(r.code, r.err).toBe(0);
    for (const s of [
      "CORP_LLM",
      "GITHUB_TOKEN",
      "AWS_SECRET_ACCESS_KEY",
      "DB_PASSWORD",
      "SSH_AUTH_SOCK",
      "COPY_OF_KEY_VALUE",
      "ORG=",
      "llm-key",
      "org-header-secret",
    ])
      expect(r.out).not.toContain(s);
    expect(r.out).toMatch(/^MY_SETTING=kept$/m);
    expect(r.out).toMatch(/^PATH=/m);
  });

  it("honours inherit, include_only and set, and never lets set smuggle the provider key back", () => {
    const config =
      '[shell_environment_policy]\ninherit = "core"\nset = { EXTRA = "1", OPENAI_API_KEY = "sk-sneaky" }\n';
    const r = cordon(["sandbox", "--", "env"], {
      config,
      env: { MY_SETTING: "dropped", OPENAI_API_KEY: "sk-real-key" },
    });
    expect(r.out).toMatch(/^EXTRA=1$/m);
    expect(r.out).toMatch(/^HOME=/m);
    expect(r.out).not.toMatch(/MY_SETTING|OPENAI_API_KEY|sk-/);
    const only = cordon(["sandbox", "--", "env"], {
      config: '[shell_environment_policy]\ninclude_only = ["PATH", "MY_*"]\n',
      env: { MY_SETTING: "yes", OTHER: "no" },
    });
    // PWD, SHLVL and _ are bash's own.
    expect(
      only.out
        .trim()
        .split("\n")
        .map((l) => l.split("=")[0])
        .filter((k) => !["PWD", "SHLVL", "_"].includes(k as string))
        .sort(),
    ).toEqual(["MY_SETTING", "PATH"]);
  });

  describe("Unix sockets outside the sandbox", () => {
    const servers: Server[] = [];
    let outside: string;
    let inTmp: string;
    let docker: string;
    const listen = (path: string) =>
      new Promise<void>((res) => {
        const s = createServer((c) => c.end("hello\n"));
        servers.push(s);
        s.listen(path, res);
      });
    beforeAll(async () => {
      outside = join(base, "svc.sock");
      inTmp = join(tmpdir, "dev.sock");
      mkdirSync(join(base, "engine"));
      docker = join(base, "engine", "docker.sock");
      await Promise.all([listen(outside), listen(inTmp), listen(docker)]);
    });
    afterAll(() => servers.forEach((s) => s.close()));
    const probe = (paths: string[]) =>
      `for p in ${paths.join(" ")}; do python3 -c 'import socket,sys\ntry:\n s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); print("connected", sys.argv[1])\nexcept OSError as e: print("blocked", sys.argv[1], e)' "$p"; done; ` +
      `python3 -c 'import socket,os; p=os.environ["TMPDIR"]+"/own.sock"; s=socket.socket(socket.AF_UNIX); s.bind(p); s.listen(); c=socket.socket(socket.AF_UNIX); c.connect(p); print("own socket works"); os.unlink(p)'`;

    it("with the network off none is reachable, while a socket the command makes for itself works", () => {
      const r = sh(probe([outside, inTmp, docker]));
      expect(r.out).not.toMatch(/^connected/m);
      for (const p of [outside, inTmp, docker]) expect(r.out).toContain(`blocked ${p}`);
      expect(r.out).toMatch(/own socket works/);
    });

    it("with the network on, ordinary local services are reachable but a container engine's socket is not", () => {
      const r = sh(probe([outside, docker]), { config: "[sandbox_workspace_write]\nnetwork_access = true\n" });
      expect(r.out).toContain(`connected ${outside}`);
      expect(r.out).not.toContain(`connected ${docker}`);
    });
  });
});

/** The workspace-write policy for `ws`, for launches in this process (runSandboxed). */
async function inProcessPolicy() {
  const { resolvePolicy } = await import("../../agent/sandbox/policy.js");
  const { configSchemas } = await import("../../agent/config/schema.js");
  return resolvePolicy({
    config: configSchemas().ConfigFile.parse({}),
    cwd: ws,
    home: base,
    tmpdirEnv: tmpdir,
    cordonHome: home,
    inGitRepo: true,
    cli: {},
  });
}

/** A launch in this process (as the agent makes it), with its output. */
async function launchHere(policy: Awaited<ReturnType<typeof inProcessPolicy>>, argv: string[]) {
  const { runSandboxed } = await import("../../agent/sandbox/run.js");
  let out = "";
  const add = (c: Buffer) => (out += c.toString());
  const r = await runSandboxed(policy, argv, { explain: false, stdio: "pipe", onStdout: add, onStderr: add });
  return { code: r.exitCode, out };
}

describe("a long-lived process's launches (the agent, an MCP session)", () => {
  it("masks a socket that appears in a folder the scans remembered, at the very next launch", async () => {
    const { listingStats } = await import("../../agent/sandbox/folder-listings.js");
    const policy = await inProcessPolicy();
    const dir = mkdtempSync("/tmp/cordon-sock-"); // scanned two levels down, as /tmp/ssh-XXXX/agent.N is
    const sock = join(dir, "engine.sock");
    const probe = `require("net").connect(${JSON.stringify(sock)}).on("connect", () => { console.log("connected"); process.exit(0); }).on("error", (e) => { console.log(e.code); process.exit(0); })`;
    let listener: ReturnType<typeof spawn> | null = null;
    try {
      await settleFolders(); // the folder is old enough to be remembered
      expect((await launchHere(policy, ["true"])).code).toBe(0);
      expect(listingStats.readInLastPass).toContain(dir); // new to this process
      expect((await launchHere(policy, ["true"])).code).toBe(0);
      expect(listingStats.readInLastPass).not.toContain(dir); // from memory: it has not changed
      // A socket bound in another network namespace (as a Docker socket mounted in is): absent from
      // this one's /proc/net/unix, so only the folder scan can find it.
      listener = spawn("unshare", [
        "-n",
        process.execPath,
        "-e",
        `require("net").createServer().listen(${JSON.stringify(sock)})`,
      ]);
      for (let i = 0; i < 50 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 100));
      expect(spawnSync(process.execPath, ["-e", probe], { encoding: "utf8" }).stdout).toBe("connected\n");
      expect(await launchHere(policy, [process.execPath, "-e", probe])).toEqual({ code: 0, out: "ECONNREFUSED\n" });
      expect(listingStats.readInLastPass).toContain(dir); // its ctime moved: read again
    } finally {
      listener?.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("removes the placeholders after the result, and a launch right after the last still finds every protected name uncreatable", async () => {
    const { placeholdersRemoved } = await import("../../agent/sandbox/run.js");
    const policy = await inProcessPolicy();
    const attempt = "mkdir .vscode/x 2>&1; echo > .devcontainer.json 2>&1; echo done";
    for (const r of [
      await launchHere(policy, ["bash", "-c", attempt]),
      await launchHere(policy, ["bash", "-c", attempt]),
    ]) {
      expect(r.out).toMatch(/\.vscode\/x.*Read-only file system/);
      expect(r.out).toMatch(/\.devcontainer\.json: Is a directory/);
      expect(r.out).toMatch(/done/);
    }
    await placeholdersRemoved();
    for (const p of [".vscode", ".devcontainer.json", ".devcontainer", ".agents"])
      expect(existsSync(join(ws, p))).toBe(false);
    expect(await launchHere(policy, ["bash", "-c", "echo fine > made-here && cat made-here"])).toEqual({
      code: 0,
      out: "fine\n",
    });
    rmSync(join(ws, "made-here"));
  });
});

describe("leftovers", () => {
  it("returns only once bwrap's own pid 1 has ended, also when the command left a background job", async () => {
    const { runSandboxed } = await import("../../agent/sandbox/run.js");
    const policy = await inProcessPolicy();
    for (const script of ["true", "sleep 30 & echo started"]) {
      const r = await runSandboxed(policy, ["bash", "-c", script], { explain: false, stdio: "pipe" });
      expect(r.exitCode).toBe(0);
      expect(r.sandboxPid).toBeGreaterThan(1);
      let state = "gone";
      try {
        state = readFileSync(`/proc/${r.sandboxPid}/stat`, "utf8").replace(/^\d+ \(.*\) /, "")[0] as string;
      } catch {
        // gone: reaped already
      }
      expect(["gone", "Z", "X"]).toContain(state);
    }
  });
});
