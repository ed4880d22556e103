// Both dev container configurations, built from the offline stand-ins and
// brought up with @devcontainers/cli on a real Docker engine.
//
// The firewall start is disabled here (CORDON_FIREWALL_MODE=off, set at
// container creation): these containers sit on Docker's default bridge, which
// inherits this machine's resolver, so the shipped allowlist of real public
// names must never be applied. The firewall suites bring the image up on the
// project's own test network with a test allowlist instead.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devcontainerUp, type DevContainer } from "./support/devcontainer.js";
import { docker, dockerAvailable, offlineImages } from "./support/docker.js";
import { makeWorkspace } from "./support/workspace.js";

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
const hasDocker = await dockerAvailable();

// x86_64 syscall numbers and constants for direct probes of the seccomp policy.
const UNSHARE = 272;
const SETNS = 308;
const CLONE_NEWUSER = 0x10000000;
const EPERM = 1;
/** A shell command printing "<return value> <errno>" of one raw syscall. */
const syscall = (nr: number, ...args: number[]) =>
  `python3 -c 'import ctypes; l=ctypes.CDLL(None, use_errno=True); r=l.syscall(${[nr, ...args].join(", ")}); print(r, ctypes.get_errno())'`;

const configs = [
  { name: "nested sandbox", config: ".devcontainer/devcontainer.json", nested: true },
  { name: "container as boundary", config: ".devcontainer/boundary/devcontainer.json", nested: false },
] as const;

describe.skipIf(!hasDocker).each(configs)("dev container: $name", ({ config, nested }) => {
  let c: DevContainer;
  let ws: { path: string; dispose: () => void };
  const wsIn = () => `/workspaces/${ws.path.split("/").pop()}`;

  beforeAll(async () => {
    const images = await offlineImages();
    ws = await makeWorkspace(nested ? "proj-nested" : "proj-boundary");
    c = await devcontainerUp({ workspace: ws.path, config, images, env: { CORDON_FIREWALL_MODE: "off" } });
  });
  afterAll(async () => {
    await c?.remove();
    ws?.dispose();
  });

  it("runs cordon for the non-root user through devcontainer exec", async () => {
    const r = await c.devExec(["cordon", "--version"]);
    expect(r.stdout.trim()).toBe(pkg.version);
    const who = await c.devExec(["id", "-un"]);
    expect(who.stdout.trim()).toBe("cordon");
  });

  it("keeps PID 1 (whose environment configures the firewall) out of the user's reach", async () => {
    const r = await c.sh("stat -c %U /proc/1; cat /proc/1/environ >/dev/null 2>&1 && echo readable || echo unreadable");
    expect(r.stdout.split("\n")).toEqual(["root", "unreadable"]);
  });

  it("makes the firewall script and allowlist root-owned and read-only for the user", async () => {
    const files = ["/usr/local/bin/init-firewall.sh", "/usr/local/share/cordon/allowlist.toml"];
    for (const f of files) {
      const r = await c.sh(`stat -c '%U %a' ${f}; test -w ${f} && echo writable || echo not-writable; echo x >> ${f}`);
      expect(r.stdout.split("\n")[0]).toMatch(/^root (755|644)$/);
      expect(r.stdout).toContain("not-writable");
      expect(r.exitCode).not.toBe(0);
    }
    // The twin: root can, so the check above is not vacuous.
    expect((await c.sh("test -w /usr/local/share/cordon/allowlist.toml", "root")).exitCode).toBe(0);
  });

  it("installs the team's managed policy root-owned and read-only, and doctor names it", async () => {
    const r = await c.sh(
      "stat -c '%U %a' /etc/cordon /etc/cordon/requirements.toml /etc/cordon/managed_config.toml; { echo x >> /etc/cordon/requirements.toml; touch /etc/cordon/rules/mine.rules; } 2>&1; true",
    );
    expect(r.stdout.split("\n").slice(0, 3)).toEqual(["root 755", "root 444", "root 444"]);
    expect(r.stdout.match(/Permission denied/g)?.length).toBe(2);
    const doc = JSON.parse((await c.devExec(["cordon", "doctor", "--json"])).stdout) as {
      managed: { dir: string; requirements: string | null };
    };
    expect(doc.managed).toMatchObject({ dir: "/etc/cordon", requirements: "/etc/cordon/requirements.toml" });
  });

  it("lets sudo run the firewall start and nothing else", async () => {
    const ok = await c.sh("sudo -n /usr/local/bin/init-firewall.sh");
    expect(ok.exitCode).toBe(0);
    expect(ok.stderr).toContain("firewall is DISABLED");
    for (const cmd of [
      "sudo -n true",
      "sudo -n -s true",
      "sudo -n /usr/local/bin/init-firewall.sh --anything",
      "sudo -n -E /usr/local/bin/init-firewall.sh",
      "sudo -n nft list ruleset",
      "sudo -n -u root bash -c id",
    ]) {
      const r = await c.sh(cmd);
      expect(r.exitCode, cmd).not.toBe(0);
    }
    const list = await c.sh("sudo -n -l");
    expect(list.stdout).toMatch(/\(root\) NOPASSWD: \/usr\/local\/bin\/init-firewall\.sh ""/);
    expect(list.stdout).not.toMatch(/\(ALL\)|ALL : ALL/);
  });

  it("binds .devcontainer, .git/hooks and .git/config read-only, and git work still works", async () => {
    for (const target of [".devcontainer/evil.json", ".git/hooks/pre-commit", ".git/config"]) {
      const r = await c.sh(`echo pwned >> ${target}`);
      expect(r.exitCode, target).not.toBe(0);
      expect(r.stderr, target).toMatch(/Read-only file system/);
    }
    const cfg = await c.sh("git config core.hooksPath /tmp/hooks");
    expect(cfg.exitCode).not.toBe(0);
    const git = await c.sh(
      "git config --global --add safe.directory '*' && git -c user.name=a -c user.email=a@cordon.test checkout -q -b feature " +
        "&& echo hi > new.txt && git add new.txt && git -c user.name=a -c user.email=a@cordon.test commit -q -m add && git log --oneline -1 && git branch --show-current",
    );
    expect(git.exitCode, git.stderr).toBe(0);
    expect(git.stdout).toMatch(/add\nfeature$/);
  });

  it("has per-container volumes for shell history and ~/.cordon", async () => {
    const r = await docker(["inspect", "-f", "{{range .Mounts}}{{.Type}} {{.Destination}}\n{{end}}", c.id]);
    expect(r.stdout).toMatch(/volume \/commandhistory/);
    expect(r.stdout).toMatch(/volume \/home\/cordon\/\.cordon/);
    expect((await c.sh("touch ~/.cordon/ok /commandhistory/ok")).exitCode).toBe(0);
  });

  if (nested) {
    it("lets the non-root user run bwrap with new user, pid and net namespaces and a fresh /proc", async () => {
      const bw = `bwrap --unshare-user --unshare-net --unshare-pid --ro-bind / / --proc /proc --dev /dev --bind ${wsIn()} ${wsIn()}`;
      const r = await c.sh(
        `${bw} sh -c 'echo inside > ${wsIn()}/from-sandbox && cat ${wsIn()}/from-sandbox; ` +
          `touch /home/cordon/escape 2>&1; touch /tmp/escape 2>&1; ` +
          `tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " "; echo pid1=$(tr "\\0" " " < /proc/1/cmdline)'`,
      );
      expect(r.exitCode, r.stderr).toBe(0);
      const lines = r.stdout.split("\n");
      expect(lines[0]).toBe("inside");
      expect(r.stdout).toMatch(/\/home\/cordon\/escape.*Read-only file system/);
      expect(r.stdout).toMatch(/\/tmp\/escape.*Read-only file system/);
      const ifaces = lines.filter((l) => /^[a-z0-9]+$/.test(l) && l !== "inside");
      expect(ifaces).toEqual(["lo"]);
      // A fresh procfs for the new pid namespace: its pid 1 is bwrap, not the container's init.
      expect(r.stdout).toMatch(/^pid1=bwrap /m);
      // The twin outside the sandbox: the container itself has eth0 and /home is writable.
      const outside = await c.sh(
        "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '; touch /home/cordon/ok && echo wrote; ps -o comm= -p 1",
      );
      expect(outside.stdout).toMatch(/eth0/);
      expect(outside.stdout).toMatch(/wrote/);
      expect(outside.stdout).toMatch(/docker-init/);
    });

    it("runs `cordon sandbox` nested for the non-root user, with doctor saying so", async () => {
      const doc = await c.devExec(["cordon", "doctor", "--json"]);
      const d = JSON.parse(doc.stdout) as {
        agentMode: string;
        userNamespaces: boolean;
        procMount: boolean;
        containerConfiguration: string;
      };
      expect(d).toMatchObject({
        agentMode: "nested sandbox",
        userNamespaces: true,
        procMount: true,
        containerConfiguration: "nested-sandbox",
      });
      const r = await c.sh(
        "cordon sandbox --log-denials -- bash -c 'echo ok > in-ws.txt && cat in-ws.txt; touch /home/cordon/out; echo x >> .git/config; " +
          'tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " "; grep -E "^Seccomp:" /proc/self/status; exit 5\'',
      );
      expect(r.exitCode).toBe(5);
      expect(r.stdout).toMatch(/^ok$/m);
      expect(r.stdout).toMatch(/^lo$/m);
      expect(r.stdout).not.toMatch(/eth0/);
      expect(r.stderr).toMatch(/blocked by read-only root: \/home\/cordon\/out/);
      expect(r.stderr).toMatch(/\.git\/config: Read-only file system/);
      expect((await c.sh("test -e /home/cordon/out")).exitCode).not.toBe(0);
    });

    it("keeps the trust boundary for the non-root user: cordon's home, shared-root metadata, secrets and outside sockets out of reach", async () => {
      // A root service listening on a Unix socket the user may connect to from outside the sandbox.
      const serve = await c.sh(
        "nohup python3 -c 'import socket,os,time; p=\"/run/cordon-test.sock\"; s=socket.socket(socket.AF_UNIX); s.bind(p); os.chmod(p, 0o777); s.listen(); time.sleep(120)' >/dev/null 2>&1 & " +
          "for i in $(seq 1 50); do test -S /run/cordon-test.sock && break; sleep 0.1; done; test -S /run/cordon-test.sock",
        "root",
      );
      expect(serve.exitCode, serve.stderr).toBe(0);
      const probe =
        'python3 -c \'import socket\ntry:\n s=socket.socket(socket.AF_UNIX); s.connect("/run/cordon-test.sock"); print("connected")\nexcept OSError as e: print("blocked", e)\'';
      const r = await c.sh(
        `echo 'model = "x"' > ~/.cordon/config.toml; OPENAI_API_KEY=sk-container-secret GH_TOKEN=ghp_x cordon sandbox -- bash -c '` +
          `ls ~/.cordon 2>&1 | tail -1; mkdir -p /tmp/.git/hooks 2>&1; touch /tmp/fine && echo tmp-ok; env | grep -c -E "OPENAI|GH_TOKEN"; ${probe.replace(/'/g, "'\\''")}'`,
      );
      expect(r.stdout).toMatch(/cannot open directory.*Permission denied/);
      expect(r.stdout).toMatch(/\/tmp\/\.git.*Read-only file system/);
      expect(r.stdout).toMatch(/^tmp-ok$/m);
      expect(r.stdout).toMatch(/^0$/m);
      expect(r.stdout).toMatch(/^blocked/m);
      // The twins outside the sandbox: the user's own home and the socket are reachable.
      const outside = await c.sh(`ls ~/.cordon && ${probe}`);
      expect(outside.stdout).toMatch(/config\.toml/);
      expect(outside.stdout).toMatch(/^connected$/m);
    });

    it("applies a patch with cordon started inside its own sandbox, as the image installs it", async () => {
      const req = JSON.stringify({
        cwd: wsIn(),
        roots: [wsIn()],
        ops: [
          { kind: "add", path: "patched.txt", content: "from the sandbox\n" },
          { kind: "add", path: ".git/hooks/x", content: "no\n" },
        ],
      });
      const refused = await c.sh(`echo '${req}' | cordon sandbox -- cordon __apply-patch`);
      expect(JSON.parse(refused.stdout)).toMatchObject({
        ok: false,
        message: expect.stringMatching(/nothing written: .*\.git\/hooks.*EROFS/),
      });
      expect((await c.sh("test -e patched.txt")).exitCode).not.toBe(0); // all or nothing
      const ok = JSON.stringify({
        cwd: wsIn(),
        roots: [wsIn()],
        ops: [{ kind: "add", path: "patched.txt", content: "from the sandbox\n" }],
      });
      const r = await c.sh(`echo '${ok}' | cordon sandbox -- cordon __apply-patch && cat patched.txt`);
      expect(r.stdout).toMatch(/"ok":true[\s\S]*from the sandbox/);
    });

    it("runs under cordon's derived seccomp profile, not unconfined", async () => {
      const r = await docker([
        "inspect",
        "-f",
        "{{json .HostConfig.SecurityOpt}} {{json .HostConfig.CapAdd}} {{.HostConfig.Privileged}}",
        c.id,
      ]);
      expect(r.stdout).toMatch(/"seccomp=\{/); // the profile's content, inlined by the Docker CLI
      expect(r.stdout).not.toMatch(/seccomp=unconfined/);
      expect(r.stdout).toMatch(/\["(CAP_)?NET_ADMIN"\]/);
      expect(r.stdout).toMatch(/false$/);
      expect((await c.sh("grep -E '^Seccomp:' /proc/self/status")).stdout).toMatch(/Seccomp:\s+2/);
      // What the profile adds works (unshare a user namespace: 0), what it does not
      // add stays blocked by seccomp (setns(-1): EPERM, where the kernel would say EBADF).
      expect((await c.sh(syscall(UNSHARE, CLONE_NEWUSER))).stdout.trim()).toBe("0 0");
      expect((await c.sh(syscall(SETNS, -1, 0))).stdout.trim()).toBe(`-1 ${EPERM}`);
    });
  } else {
    it("keeps .vscode (tasks that run on folder open) read-only at the container level, where the agent runs unsandboxed", async () => {
      const r = await c.sh(
        "mkdir -p .vscode/x 2>&1; echo '{}' > .vscode/tasks.json 2>&1; echo src > main.c && echo wrote",
      );
      expect(r.stdout).toMatch(/Read-only file system/);
      expect(r.stdout).toMatch(/wrote/);
      expect((await c.sh("test -e .vscode/tasks.json")).exitCode).not.toBe(0);
    });

    it("uses the container as the boundary: doctor says so and commands run with full access", async () => {
      const d = JSON.parse((await c.devExec(["cordon", "doctor", "--json"])).stdout) as {
        agentMode: string;
        userNamespaces: boolean;
        sandboxMode: string;
      };
      expect(d).toMatchObject({
        agentMode: "container as boundary",
        userNamespaces: false,
        sandboxMode: "danger-full-access",
      });
      const r = await c.sh("cordon sandbox -- bash -c 'touch /home/cordon/full && echo full'");
      expect(r.stdout).toMatch(/full/);
      // Asking for the bwrap sandbox here fails loudly instead of running unsandboxed.
      const ws = await c.sh("cordon sandbox -P :workspace -- touch /home/cordon/should-not-run");
      expect(ws.exitCode).not.toBe(0);
      expect(ws.stderr).toMatch(
        /cannot start the workspace-write sandbox: user namespaces are blocked.*\n.*not run unsandboxed/,
      );
      expect((await c.sh("test -e /home/cordon/should-not-run")).exitCode).not.toBe(0);
    });

    it("keeps Docker's default seccomp profile and AppArmor, and bwrap is not usable", async () => {
      const r = await docker([
        "inspect",
        "-f",
        "{{json .HostConfig.SecurityOpt}}|{{json .HostConfig.CapAdd}}|{{.HostConfig.Privileged}}",
        c.id,
      ]);
      const [secOpt, capAdd, privileged] = r.stdout.trim().split("|");
      expect(secOpt).toBe("null"); // no seccomp=, apparmor= or systempaths= override at all
      expect(capAdd).toMatch(/^\["(CAP_)?NET_ADMIN"\]$/);
      expect(privileged).toBe("false");
      expect((await c.sh("grep -E '^Seccomp:' /proc/self/status")).stdout).toMatch(/Seccomp:\s+2/);
      const bw = await c.sh(`bwrap --unshare-user --unshare-net --ro-bind / / true`);
      expect(bw.exitCode).not.toBe(0);
      expect(bw.stderr).toMatch(/No permissions to create new namespace|Operation not permitted/);
      // Docker's default seccomp denies unshare(2) without CAP_SYS_ADMIN: EPERM,
      // where the nested profile returns 0 for the same call.
      expect((await c.sh(syscall(UNSHARE, CLONE_NEWUSER))).stdout.trim()).toBe(`-1 ${EPERM}`);
    });
  }
});
