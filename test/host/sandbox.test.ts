// The sandbox for real: `cordon sandbox` (built CLI) with real bubblewrap on
// this host. Every denial has its allowed twin next to it.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setTimesBack, settleFolders } from "../support/folder-times.js";

// What `cordon` runs: `cordon sandbox` from its one-file bundle, everything else through main.js.
const CLI = new URL("../../dist/bundle/agent/cli/cordon.cjs", import.meta.url).pathname;
if (!existsSync("/usr/bin/bwrap"))
  throw new Error("bubblewrap is not installed: apt-get install bubblewrap (bash .ci/run installs it)");

let base: string;
let ws: string;
let home: string;

function cordon(args: string[], opts: { cwd?: string; config?: string } = {}) {
  writeFileSync(join(home, "config.toml"), opts.config ?? "");
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: opts.cwd ?? ws,
    encoding: "utf8",
    timeout: 30_000,
    env: { ...process.env, CORDON_HOME: home, TMPDIR: join(base, "tmpdir") },
  });
  return { code: r.status, signal: r.signal, out: r.stdout, err: r.stderr };
}
const sh = (script: string, opts: { cwd?: string; config?: string; flags?: string[] } = {}) =>
  cordon(["sandbox", ...(opts.flags ?? ["--log-denials"]), "--", "bash", "-c", script], opts);

beforeAll(() => {
  // Not under /tmp: that is a writable root itself, and "outside" must be outside.
  base = mkdtempSync("/var/tmp/cordon-host-");
  ws = join(base, "ws");
  home = join(base, "home");
  mkdirSync(join(base, "tmpdir"));
  mkdirSync(home);
  mkdirSync(ws);
  execFileSync("git", ["init", "-q", ws]);
  writeFileSync(join(ws, "README"), "hello\n");
  mkdirSync(join(ws, ".codex"));
  writeFileSync(join(ws, ".codex", "config"), "x\n");
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe("workspace-write (the default in a git repo)", () => {
  it("writes in the workspace but not outside the writable roots", () => {
    const r = sh(`echo ok > new.txt && cat new.txt; touch ${base}/outside 2>&1; echo x > /etc/cordon-test 2>&1; true`);
    expect(r.out).toMatch(/^ok$/m);
    expect(readFileSync(join(ws, "new.txt"), "utf8")).toBe("ok\n");
    expect(r.out).toMatch(new RegExp(`${base}/outside.*Read-only file system`));
    expect(existsSync(join(base, "outside"))).toBe(false);
    expect(existsSync("/etc/cordon-test")).toBe(false);
  });

  it("keeps /tmp and $TMPDIR writable, unless excluded", () => {
    expect(sh(`touch /tmp/cordon-ok-$$ && rm /tmp/cordon-ok-$$ && touch $TMPDIR/ok && echo yes`).out).toMatch(/yes/);
    const ex = sh("touch /tmp/cordon-no 2>&1; touch $TMPDIR/no 2>&1; true", {
      config: "[sandbox_workspace_write]\nexclude_slash_tmp = true\nexclude_tmpdir_env_var = true\n",
    });
    expect(ex.out.match(/Read-only file system/g)).toHaveLength(2);
  });

  it.each([".git", ".codex"])("protects %s by path, symlink, rename and hardlink", (d) => {
    const target = d === ".git" ? ".git/config" : ".codex/config";
    const before = readFileSync(join(ws, target), "utf8");
    const r = sh(
      `echo evil >> ${target}; ln -s ${target} lnk-${d} && echo evil >> lnk-${d}; ` +
        `mv ${d} moved${d}; ln ${target} hard${d}; touch ${d}/new; rm -rf ${d}; echo done; exit 1`,
    );
    expect(r.out).toMatch(/done/);
    expect(readFileSync(join(ws, target), "utf8")).toBe(before);
    expect(existsSync(join(ws, `moved${d}`))).toBe(false);
    expect(existsSync(join(ws, `hard${d}`))).toBe(false);
    expect(existsSync(join(ws, d, "new"))).toBe(false);
    expect(r.err).toMatch(/blocked by protected metadata/);
    // The twin: an ordinary directory next to it is fully writable.
    expect(
      sh(
        `mkdir -p plain${d} && echo ok > plain${d}/f && mv plain${d} plain2${d} && ln plain2${d}/f plain2${d}/g && echo fine`,
      ).out,
    ).toMatch(/fine/);
  });

  it("does not let missing .agents/.cordon be created, and leaves no trace after", () => {
    const r = sh("mkdir -p .agents/skills 2>&1; echo x > .cordon 2>&1; ls -d .agents; true");
    expect(r.out).toMatch(/Read-only file system/);
    expect(existsSync(join(ws, ".agents"))).toBe(false);
    expect(existsSync(join(ws, ".cordon"))).toBe(false);
  });

  it("protects the target of a gitdir: pointer, even inside a writable root", () => {
    const wt = join(base, "worktree");
    const real = join(base, "tmpdir", "real.git"); // under $TMPDIR: a writable root
    mkdirSync(wt);
    mkdirSync(real);
    writeFileSync(join(real, "HEAD"), "ref: refs/heads/main\n");
    writeFileSync(join(wt, ".git"), `gitdir: ${real}\n`);
    const r = sh(
      `echo evil > ${real}/HEAD 2>&1; echo evil > .git 2>&1; touch ${join(base, "tmpdir")}/sibling && echo sibling-ok`,
      { cwd: wt },
    );
    expect(readFileSync(join(real, "HEAD"), "utf8")).toBe("ref: refs/heads/main\n");
    expect(readFileSync(join(wt, ".git"), "utf8")).toBe(`gitdir: ${real}\n`);
    expect(r.out).toMatch(/sibling-ok/);
  });

  it("refuses a writable root reached through a symlink", () => {
    symlinkSync(join(base, "home"), join(base, "link-to-home"));
    const r = sh("true", { config: `[sandbox_workspace_write]\nwritable_roots = ["${join(base, "link-to-home")}"]\n` });
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/resolves through a symlink/);
  });
});

describe("read-only", () => {
  it("cannot write even in the workspace, but reads it", () => {
    const r = sh("cat README; echo x > ro.txt 2>&1; true", { config: 'sandbox_mode = "read-only"\n' });
    expect(r.out).toMatch(/hello/);
    expect(r.err).toMatch(/ro\.txt: Read-only file system/);
    expect(existsSync(join(ws, "ro.txt"))).toBe(false);
  });
});

describe("deny-read profile", () => {
  const config =
    'default_permissions = "safe"\n[permissions.safe.filesystem]\n":workspace_roots" = { "." = "write", "**/*.env" = "none", "secrets" = "none" }\nglob_scan_max_depth = 4\n';
  beforeAll(() => {
    writeFileSync(join(ws, "top.env"), "TOKEN=top\n");
    mkdirSync(join(ws, "a", "b"), { recursive: true });
    writeFileSync(join(ws, "a", "b", "deep.env"), "TOKEN=deep\n");
    mkdirSync(join(ws, "secrets"));
    writeFileSync(join(ws, "secrets", "key"), "PRIVATE\n");
    writeFileSync(join(ws, "visible.txt"), "visible\n");
    symlinkSync(join(ws, "top.env"), join(ws, "alias-link"));
  });
  it("hides files, directories and glob matches, also through a symlink and /proc/self/root", () => {
    const r = sh(
      `cat top.env a/b/deep.env alias-link /proc/self/root${ws}/top.env 2>&1; ls secrets 2>&1; cat secrets/key 2>&1; cat visible.txt`,
      { config },
    );
    expect(r.out).not.toMatch(/TOKEN|PRIVATE/);
    expect(r.out).toMatch(/visible/);
  });
  it("the twin: without the profile the same files are readable", () => {
    expect(sh("cat top.env secrets/key").out).toMatch(/TOKEN=top\nPRIVATE/);
  });
});

describe("network", () => {
  let server: Server;
  let port = 0;
  beforeAll(async () => {
    server = createServer((s) => s.end("pong\n"));
    await new Promise<void>((r) => server.listen(0, "::", () => r()));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => server.close());
  const probe = (host: string) =>
    `node -e "const s=require('net').connect(${port},'${host}');s.on('data',d=>{process.stdout.write(d);process.exit(0)});s.on('error',e=>{console.error('ERR',e.message);process.exit(3)})"`;
  it("is off by default (IPv4 and IPv6, even this host's loopback)", () => {
    for (const h of ["127.0.0.1", "::1"]) {
      const r = sh(probe(h));
      expect(r.err, h).toMatch(/ERR connect EPERM/);
      expect(r.err, h).toMatch(/blocked by no network/);
    }
  });
  it("is on with network_access = true", async () => {
    // Asynchronously: the server lives in this process and must keep answering.
    writeFileSync(join(home, "config.toml"), "[sandbox_workspace_write]\nnetwork_access = true\n");
    for (const h of ["127.0.0.1", "::1"]) {
      const r = await execa(process.execPath, [CLI, "sandbox", "--", "bash", "-c", probe(h)], {
        cwd: ws,
        reject: false,
        timeout: 20_000,
        env: { ...process.env, CORDON_HOME: home },
      });
      expect(r.stdout + r.stderr, h).toMatch(/pong/);
    }
  });
});

describe("seccomp filter and tools that must still work", () => {
  const sys = (nr: number, ...args: number[]) =>
    `python3 -c 'import ctypes; l=ctypes.CDLL(None, use_errno=True); r=l.syscall(${[nr, ...args].join(", ")}); print(r, ctypes.get_errno())'`;
  it.each([
    ["ptrace", 101, [0, 0, 0, 0]],
    ["io_uring_setup", 425, [1, 0]],
    ["bpf", 321, [0, 0, 0]],
    ["keyctl", 250, [0, 0]],
    ["perf_event_open", 298, [0, 0, 0, 0, 0]],
    ["userfaultfd", 323, [0]],
    ["process_vm_readv", 310, [1, 0, 0, 0, 0, 0]],
    ["umount2", 166, [0, 0]],
    ["socket(AF_INET)", 41, [2, 1, 0]],
  ] as [string, number, number[]][])("%s gets EPERM", (_n, nr, args) => {
    expect(sh(sys(nr, ...args)).out.trim()).toBe("-1 1");
  });
  it("AF_UNIX sockets still work, and git, node, python and a compiler run", () => {
    const r = sh(
      `${sys(41, 1, 1, 0)} && git status --short >/dev/null && git init -q $TMPDIR/r && git -C $TMPDIR/r -c user.name=a -c user.email=a@cordon.test commit -q --allow-empty -m t && git -C $TMPDIR/r log --oneline | wc -l && ` +
        `node -e "console.log(6*7)" && python3 -c "print(2**10)" && printf 'int main(){return 3;}' > t.c && cc -o t t.c && (./t; echo cc=$?)`,
    );
    expect(r.err).toBe("");
    expect(r.out).toMatch(/^\d+ 0$/m);
    expect(r.out).toMatch(/^1$/m);
    expect(r.out).toMatch(/^42$/m);
    expect(r.out).toMatch(/^1024$/m);
    expect(r.out).toMatch(/cc=3/);
  });
});

describe("process behaviour", () => {
  it("passes stdin/stdout through and propagates exit codes", () => {
    const r = spawnSync(process.execPath, [CLI, "sandbox", "--", "sh", "-c", "read x; echo got:$x; exit 7"], {
      cwd: ws,
      input: "abc\n",
      encoding: "utf8",
      env: { ...process.env, CORDON_HOME: home },
    });
    expect(r.stdout).toBe("got:abc\n");
    expect(r.status).toBe(7);
  });
  it("propagates a signal that killed the command", () => {
    const r = cordon(["sandbox", "--", "sh", "-c", "kill -TERM $$"]);
    expect(r.signal === "SIGTERM" || r.code === 143).toBe(true);
  });
  it("kills the sandboxed command when cordon dies (--die-with-parent)", async () => {
    const marker = `cordon-dwp-${process.pid}`;
    const child = spawn(process.execPath, [CLI, "sandbox", "--", "sh", "-c", `exec -a ${marker} sleep 60`], {
      cwd: ws,
      env: { ...process.env, CORDON_HOME: home },
      stdio: "ignore",
    });
    const alive = () => spawnSync("pgrep", ["-f", marker]).status === 0;
    for (let i = 0; i < 50 && !alive(); i++) await new Promise((r) => setTimeout(r, 100));
    expect(alive()).toBe(true);
    child.kill("SIGKILL");
    for (let i = 0; i < 50 && alive(); i++) await new Promise((r) => setTimeout(r, 100));
    expect(alive()).toBe(false);
  });
  it("fails with the config's file, line and key, and runs nothing", () => {
    const r = sh("touch ran", { config: 'sandbox_mode = "yolo"\n' });
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/config\.toml: invalid configuration\n {2}- line 1: sandbox_mode: "yolo"/);
    expect(existsSync(join(ws, "ran"))).toBe(false);
  });
});

describe("the launch probe is kept where no sandboxed command can reach it", () => {
  const cache = () => join(home, "cache", "sandbox-probe.json");
  const pids = (r: { out: string }) => Number(r.out.trim());
  it("is written after the first launch and trusted for the same environment; a stale key is probed again", () => {
    rmSync(join(home, "cache"), { recursive: true, force: true });
    const first = sh("ls /proc | grep -c '^[0-9]'", { flags: [] });
    expect(first.code).toBe(0);
    expect(pids(first)).toBeLessThan(10); // a fresh /proc in its own pid namespace
    const saved = JSON.parse(readFileSync(cache(), "utf8")) as { key: string; support: Record<string, unknown> };
    expect(saved.support).toMatchObject({
      bwrapPath: "/usr/bin/bwrap",
      userNamespaces: true,
      procMount: true,
      problem: null,
    });
    // The cache decides how /proc is set up, so it must be what is used: a matching entry is trusted as is ...
    writeFileSync(cache(), JSON.stringify({ key: saved.key, support: { ...saved.support, procMount: false } }));
    expect(pids(sh("ls /proc | grep -c '^[0-9]'", { flags: [] }))).toBeGreaterThan(10); // /proc bound from outside
    // ... and an entry for another environment (another container, bwrap, boot) is not.
    writeFileSync(cache(), JSON.stringify({ key: '["elsewhere"]', support: { ...saved.support, procMount: false } }));
    expect(pids(sh("ls /proc | grep -c '^[0-9]'", { flags: [] }))).toBeLessThan(10);
    expect((JSON.parse(readFileSync(cache(), "utf8")) as { key: string }).key).toBe(saved.key);
  });

  it("a sandboxed command can neither read nor rewrite it", () => {
    const before = readFileSync(cache(), "utf8");
    const r = sh(`cat ${cache()} 2>&1; echo '{"key":"x"}' > ${cache()} 2>&1; mkdir -p ${home}/cache2 2>&1; echo done`, {
      flags: [],
    });
    expect(r.out).toMatch(/done/);
    expect(r.out).not.toContain("bwrapPath");
    expect(readFileSync(cache(), "utf8")).toBe(before);
    expect(existsSync(join(home, "cache2"))).toBe(false);
  });
});

describe("the command's entry (cordon.cjs, what `cordon` runs)", () => {
  const ENTRY = new URL("../../dist/bundle/agent/cli/cordon.cjs", import.meta.url).pathname;
  const version = (
    JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }
  ).version;
  it("answers --version and -V by itself, and hands everything else to the bundle", () => {
    for (const flag of ["--version", "-V"])
      expect(spawnSync(process.execPath, [ENTRY, flag], { encoding: "utf8" }).stdout).toBe(`${version}\n`);
    const r = spawnSync(
      process.execPath,
      [ENTRY, "sandbox", "--", "sh", "-c", "echo inside; touch /etc/x 2>/dev/null || echo blocked"],
      {
        cwd: ws,
        encoding: "utf8",
        env: { ...process.env, CORDON_HOME: home },
      },
    );
    expect(r.stdout).toBe("inside\nblocked\n");
    expect(spawnSync(process.execPath, [ENTRY, "--nope"], { encoding: "utf8" }).status).not.toBe(0);
  });
});

describe("what one `cordon sandbox` hands the next, in cordon's home", () => {
  it("V8's code cache: written once, private, never in a writable root; one whose header V8 refuses is written anew", () => {
    const codeDir = join(home, "cache", "code");
    rmSync(codeDir, { recursive: true, force: true });
    expect(sh("echo first").out).toBe("first\n");
    const [file, ...more] = readdirSync(codeDir);
    expect({ file, more }).toEqual({
      file: expect.stringMatching(/^sandbox-[0-9a-f]{16}\.cjs-v\d+\.\d+\.\d+-x64\.v8$/),
      more: [],
    });
    const cache = join(codeDir, file as string);
    expect({ dir: statSync(codeDir).mode & 0o777, file: statSync(cache).mode & 0o777 }).toEqual({
      dir: 0o700,
      file: 0o600,
    });
    const written = readFileSync(cache);
    expect(sh("echo second").out).toBe("second\n");
    expect(readFileSync(cache).equals(written)).toBe(true); // accepted: not written again
    // A cache whose header V8 refuses (here: the right length, every byte wrong) is not used, and replaced.
    const garbage = Buffer.alloc(written.length, 0x41);
    writeFileSync(cache, garbage);
    expect(sh("echo third; touch /etc/x 2>/dev/null || echo blocked").out).toBe("third\nblocked\n");
    expect(readFileSync(cache).equals(garbage)).toBe(false);
    expect(readdirSync(join(base, "tmpdir")).filter((n) => n.endsWith(".v8"))).toEqual([]);
    // A cache left by another build is removed when this build writes its own.
    const stale = join(codeDir, "sandbox-0000000000000000.cjs-v0.0.0-x64.v8");
    writeFileSync(stale, "old");
    rmSync(cache);
    expect(sh("echo fourth").out).toBe("fourth\n");
    expect(readdirSync(codeDir)).toEqual([file]);
  });

  it("folder listings: a repository added to a remembered folder, its times then set back, is protected at the next launch", async () => {
    const tmp = join(base, "tmpdir"); // $TMPDIR: a writable root the nested .git scan walks
    const sub = join(tmp, "proj", "sub");
    mkdirSync(sub, { recursive: true });
    await settleFolders(); // old enough to be remembered
    expect(sh("true").code).toBe(0);
    const handed = readFileSync(join(home, "cache", "folder-listings.json"), "utf8");
    expect(handed).toContain(JSON.stringify(sub));
    // The attack, from outside any sandbox this time (a clone the user made): the folder's times
    // are put back as they were, which leaves its ctime moved.
    const before = statSync(sub, { bigint: true });
    mkdirSync(join(sub, "repo", ".git", "hooks"), { recursive: true });
    setTimesBack(sub, before);
    expect(statSync(sub, { bigint: true }).mtimeNs).toBe(before.mtimeNs);
    const attempt = `{ echo evil > ${sub}/repo/.git/hooks/pre-commit; } 2>&1; echo fine > ${sub}/repo/file && echo twin-ok`;
    const r = sh(attempt, { flags: [] });
    expect(r.out).toMatch(/pre-commit: Read-only file system/);
    expect(r.out).toMatch(/twin-ok/);
    expect(existsSync(join(sub, "repo", ".git", "hooks", "pre-commit"))).toBe(false);
    // A hand-over that is not what cordon writes is skipped: the folders are read instead.
    writeFileSync(join(home, "cache", "folder-listings.json"), JSON.stringify([[sub, 0, 0, 0, 0, [], "x"], "junk"]));
    expect(sh(attempt, { flags: [] }).out).toMatch(/pre-commit: Read-only file system[\s\S]*twin-ok/);
    writeFileSync(join(home, "cache", "folder-listings.json"), "{not json");
    expect(sh(attempt, { flags: [] }).out).toMatch(/pre-commit: Read-only file system[\s\S]*twin-ok/);
    rmSync(join(tmp, "proj"), { recursive: true, force: true });
  });
});
