// Approvals end to end: the built CLI, the scripted model, real bwrap, and
// a real pseudo-terminal where a user answers. What was shown is what runs;
// what was granted works and nothing more does.
import { spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { agentWorkspace, CLI, cliEnv, runExec, useAgentFixture, type Ev } from "../support/agent-cli.js";
import { chat as chatStep, patchCall, responses, shellCall, type Step } from "../support/scripted-model.js";
import { startTty } from "../support/tty.js";

const fx = useAgentFixture("cordon-approvals-");

async function exec(ws: string, home: string, steps: Step[], args: string[] = []) {
  return runExec(fx, { ws, home, args: [...args, "go"], steps });
}

describe("execpolicy rules through cordon exec", () => {
  it("allow runs an escalation unsandboxed without asking; prompt is denied without a terminal; forbidden refuses even in the sandbox", async () => {
    const { ws, home } = agentWorkspace(fx, "rules1");
    mkdirSync(join(home, "rules"));
    writeFileSync(
      join(home, "rules", "team.rules"),
      [
        'prefix_rule(pattern = ["touch", "../allowed.txt"], decision = "allow", match = ["touch ../allowed.txt"])',
        'prefix_rule(pattern = ["touch", "../asked.txt"], decision = "prompt", justification = "writes beside the repo")',
        'prefix_rule(pattern = ["rm"], decision = "forbidden", justification = "use git clean", not_match = ["rmdir x"])',
        "",
      ].join("\n"),
    );
    writeFileSync(join(ws, "victim.txt"), "keep\n");
    const r = await exec(ws, home, [
      shellCall("a", ["touch", "../allowed.txt"], { with_escalated_permissions: true, justification: "x" }),
      shellCall("p", ["touch", "../asked.txt"], { with_escalated_permissions: true, justification: "x" }),
      shellCall("f", ["bash", "-lc", "ls && rm victim.txt"]),
      responses("done"),
    ]);
    expect(r.code, r.stderr).toBe(0);
    const decided = r.events.filter((e) => e.type === "approval.decided").map((e) => [e.call_id, e.decision, e.reason]);
    expect(decided).toEqual([
      ["a", "auto", "allowed outside the sandbox by an execpolicy rule"],
      ["p", "denied", expect.stringMatching(/no one can approve/)],
      ["f", "refused", "forbidden by an execpolicy rule: use git clean"],
    ]);
    expect(existsSync(join(fx.base, "allowed.txt"))).toBe(true);
    expect(existsSync(join(fx.base, "asked.txt"))).toBe(false);
    expect(readFileSync(join(ws, "victim.txt"), "utf8")).toBe("keep\n");
  });

  it("a rules file whose example fails stops start-up, naming the file and line", async () => {
    const { ws, home } = agentWorkspace(fx, "rules2");
    mkdirSync(join(home, "rules"));
    writeFileSync(
      join(home, "rules", "bad.rules"),
      '# ok\nprefix_rule(\n  pattern = ["git", "push"],\n  match = ["git pull"],\n)\n',
    );
    const r = await exec(ws, home, [responses("never reached")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `${join(home, "rules", "bad.rules")}:4: the match example "git pull" does not match pattern ["git", "push"]`,
    );
    expect(fx.model.requests).toHaveLength(0);
    expect(existsSync(join(home, "sessions"))).toBe(false); // a refused start leaves no session behind
  });

  it("a repository's own .cordon/rules apply only once the project is trusted", async () => {
    const { ws, home } = agentWorkspace(fx, "rules3");
    mkdirSync(join(ws, ".cordon", "rules"), { recursive: true });
    writeFileSync(
      join(ws, ".cordon", "rules", "repo.rules"),
      'prefix_rule(pattern = ["touch", "../repo-allowed.txt"], decision = "allow")\n',
    );
    const call = () => [
      shellCall("a", ["touch", "../repo-allowed.txt"], { with_escalated_permissions: true, justification: "x" }),
      responses("done"),
    ];
    const untrusted = await exec(ws, home, call());
    expect(untrusted.events.find((e) => e.type === "approval.decided")).toMatchObject({ decision: "denied" });
    writeFileSync(
      join(home, "config.toml"),
      `${readFileSync(join(home, "config.toml"), "utf8")}\n[projects.${JSON.stringify(ws)}]\ntrust_level = "trusted"\n`,
    );
    const trusted = await exec(ws, home, call());
    expect(trusted.events.find((e) => e.type === "approval.decided")).toMatchObject({
      decision: "auto",
      reason: "allowed outside the sandbox by an execpolicy rule",
    });
    expect(existsSync(join(fx.base, "repo-allowed.txt"))).toBe(true);
  });
});

describe("cordon execpolicy check", () => {
  it("prints the decision and matching rules for every command of a script, from the shipped bundle alone", () => {
    // The image ships dist/bundle and package.json, no node_modules: the bash grammar must come from the bundle.
    const dir = mkdtempSync(join(fx.base, "install-"));
    cpSync(new URL("../../dist", import.meta.url).pathname, join(dir, "dist"), { recursive: true });
    cpSync(new URL("../../package.json", import.meta.url).pathname, join(dir, "package.json"));
    const rules = join(fx.base, "check.rules");
    writeFileSync(
      rules,
      'prefix_rule(pattern = ["git", ["push", "fetch"]], decision = "prompt", justification = "remote")\nprefix_rule(pattern = ["git"], decision = "allow")\n',
    );
    const r = spawnSync(
      process.execPath,
      [
        join(dir, "dist/bundle/agent/cli/main.js"),
        "execpolicy",
        "check",
        "--rules",
        rules,
        "--",
        "bash",
        "-lc",
        "git status && git push origin",
      ],
      { encoding: "utf8", cwd: fx.base },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      command: ["bash", "-lc", "git status && git push origin"],
      commands: [
        ["git", "status"],
        ["git", "push", "origin"],
      ],
      decision: "prompt",
      justification: "remote",
      matched_rules: [
        {
          file: rules,
          line: 2,
          pattern: '["git"]',
          decision: "allow",
          justification: null,
          command: ["git", "status"],
        },
        {
          file: rules,
          line: 1,
          pattern: '["git", ["push", "fetch"]]',
          decision: "prompt",
          justification: "remote",
          command: ["git", "push", "origin"],
        },
        {
          file: rules,
          line: 2,
          pattern: '["git"]',
          decision: "allow",
          justification: null,
          command: ["git", "push", "origin"],
        },
      ],
    });
    const bad = spawnSync(
      process.execPath,
      [CLI, "execpolicy", "check", "--rules", join(fx.base, "missing.rules"), "--", "ls"],
      { encoding: "utf8" },
    );
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/no such rules file: .*missing\.rules/);
  });
});

describe("on a terminal", () => {
  const trust = async (t: ReturnType<typeof startTty>) => {
    await t.waitFor(/\[y\/N\]/);
    t.send("y\r");
    await t.waitFor(/approvals on-request/);
  };

  it("shows a spoofing command with its control characters visible, and runs an escalation in the workdir it showed", async () => {
    const { ws, home } = agentWorkspace(fx, "tty-spoof", { model: "m" });
    mkdirSync(join(ws, "sub"));
    fx.model.reset();
    const t = startTty(fx.base, ws, home);
    try {
      await trust(t);
      // A script that, printed raw, would return to the line start and erase itself, leaving only "echo harmless".
      const evil = "touch ../spoofed.txt #\r\x1b[2Kecho harmless";
      fx.model.push(
        shellCall("s", ["bash", "-lc", evil], {
          with_escalated_permissions: true,
          justification: "tidy\x1b[8m hidden",
        }),
        shellCall("w", ["bash", "-lc", "pwd > ../where.txt"], {
          workdir: "sub",
          with_escalated_permissions: true,
          justification: "where",
        }),
        responses("ok"),
      );
      t.send("go\r");
      await t.waitFor(
        /Approve\?[^\n]*\n\s+\$ bash -lc 'touch \.\.\/spoofed\.txt #\\r\\e\[2Kecho harmless'\n\s+in .*tty-spoof\n\s+with: no sandbox \(full access\)\n\s+why \(the model's words\): tidy\\e\[8m hidden/,
      );
      t.send("n\r");
      await t.waitFor(/Tell the model why/);
      t.send("\r");
      await t.waitFor(/Approve\?[^\n]*\n\s+\$ bash -lc 'pwd > \.\.\/where\.txt'\n\s+in .*tty-spoof\/sub\n/);
      t.send("y\r");
      await t.waitFor(/exit 0[\s\S]*^ok/m);
      expect(existsSync(join(fx.base, "spoofed.txt"))).toBe(false);
      expect(readFileSync(join(ws, "where.txt"), "utf8")).toBe(`${join(ws, "sub")}\n`);
    } catch (e) {
      throw new Error(`${(e as Error).message}\n--- terminal ---\n${t.output().slice(-3000)}`);
    } finally {
      t.child.kill("SIGKILL");
    }
  }, 60_000);

  it("shows a running command's elapsed time and last output line; 'p' writes an allow rule for the prefix shown, which then applies", async () => {
    const { ws, home } = agentWorkspace(fx, "tty-live", { model: "m" });
    fx.model.reset();
    const t = startTty(fx.base, ws, home);
    try {
      await trust(t);
      fx.model.push(
        shellCall("l", ["bash", "-lc", "echo progress-line-42; sleep 1.5"]),
        shellCall("p1", ["touch", "../prefix.txt"], { with_escalated_permissions: true, justification: "first" }),
        shellCall("p2", ["touch", "../prefix.txt", "../prefix2.txt"], {
          with_escalated_permissions: true,
          justification: "second",
        }),
        responses("all done"),
      );
      t.send("go\r");
      await t.waitFor(/running \d+s \(Ctrl-C to interrupt\) │ progress-line-42/);
      await t.waitFor(/\[p\] always allow commands starting touch \.\.\/prefix\.txt \(writes a rule\)/);
      t.send("p\r");
      await t.waitFor(/^all done/m);
      expect(readFileSync(join(home, "rules", "default.rules"), "utf8")).toBe(
        'prefix_rule(pattern = ["touch", "../prefix.txt"], decision = "allow")\n',
      );
      expect((t.output().match(/Approve\?/g) ?? []).length).toBe(1); // the longer command matched the rule's prefix
      expect(existsSync(join(fx.base, "prefix2.txt"))).toBe(true);
    } catch (e) {
      throw new Error(`${(e as Error).message}\n--- terminal ---\n${t.output().slice(-3000)}`);
    } finally {
      t.child.kill("SIGKILL");
    }
  }, 60_000);

  it("request_permissions: granted network and one extra path work, and nothing else does", async () => {
    const { ws, home } = agentWorkspace(fx, "tty-perm", { model: "m" });
    const extra = join(fx.base, "granted");
    const other = join(fx.base, "not-granted");
    mkdirSync(extra);
    mkdirSync(other);
    const port = new URL(fx.model.url).port;
    const probe = `python3 -c 'import socket; socket.create_connection(("127.0.0.1", ${port}), 2); print("NET-OK")' 2>&1 | tail -1`;
    fx.model.reset();
    const t = startTty(fx.base, ws, home);
    try {
      await trust(t);
      fx.model.push(
        shellCall("n", ["bash", "-lc", probe], { additional_permissions: { network: true }, justification: "fetch" }),
        shellCall("n0", ["bash", "-lc", probe]),
        shellCall("p", ["bash", "-lc", `touch ${extra}/a && echo WROTE-A; touch ${other}/b 2>&1 | tail -1`], {
          additional_permissions: { writable_paths: [extra] },
          justification: "install",
        }),
        responses("checked"),
      );
      t.send("go\r");
      await t.waitFor(/with: workspace-write sandbox \+ network on/);
      t.send("y\r");
      await t.waitFor(/with: workspace-write sandbox \+ \S*granted writable/);
      t.send("y\r");
      await t.waitFor(/^checked/m);
      const outs = fx.model.requests.at(-1)?.body.input as { type?: string; call_id?: string; output?: string }[];
      const out = (id: string) =>
        JSON.parse(outs.find((x) => x.type === "function_call_output" && x.call_id === id)?.output ?? "{}") as {
          output: string;
          hint?: string;
        };
      expect(out("n").output).toMatch(/NET-OK/);
      expect(out("n0").output).not.toMatch(/NET-OK/); // the grant was for that call only
      expect(out("p").output).toMatch(/WROTE-A/);
      expect(out("p").output).toMatch(/Read-only file system/);
      expect(existsSync(join(extra, "a"))).toBe(true);
      expect(existsSync(join(other, "b"))).toBe(false);
    } catch (e) {
      throw new Error(`${(e as Error).message}\n--- terminal ---\n${t.output().slice(-3000)}`);
    } finally {
      t.child.kill("SIGKILL");
    }
  }, 60_000);
});

describe("the agent's shell path through the sandbox boundary", () => {
  it("cordon exec: a command sees no provider key and no cordon home, and a patch lands inside the sandbox", async () => {
    const { ws, home } = agentWorkspace(fx, "boundary-exec", { extra: "" });
    writeFileSync(
      join(home, "config.toml"),
      readFileSync(join(home, "config.toml"), "utf8").replace(
        'wire_api = "responses"',
        'wire_api = "responses"\nenv_key = "SCRIPTED_KEY"',
      ),
    );
    fx.model.reset();
    fx.model.push(shellCall("e", ["bash", "-lc", `env; cat ${home}/config.toml; ls ${home}`]), responses("done"));
    const r = await execa("node", [CLI, "exec", "--json", "go"], {
      cwd: ws,
      env: cliEnv(fx.base, home, { SCRIPTED_KEY: "sk-scripted-secret", GH_TOKEN: "ghp_secret" }),
      extendEnv: false,
      reject: false,
      timeout: 60_000,
      stdin: "ignore",
    });
    expect(r.exitCode, r.stderr).toBe(0);
    const finished = r.stdout
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Ev)
      .find((e) => e.type === "command.finished") as Ev & { output: string };
    expect(finished.output).not.toMatch(/sk-scripted-secret|ghp_secret|SCRIPTED_KEY|base_url/);
    expect(finished.output).toMatch(/Permission denied/);
    expect(finished.output).toMatch(/^PATH=/m);
  });
});

describe("a sandbox that cannot start is a tool error, never a crashed turn", () => {
  it("reports a planted protected-name link to the model for both tools, and the turn completes", async () => {
    const { ws, home } = agentWorkspace(fx, "broken-sandbox");
    symlinkSync(join(fx.base, "elsewhere"), join(ws, ".codex"));
    const r = await exec(ws, home, [
      shellCall("s", ["ls"]),
      patchCall("p", "*** Begin Patch\n*** Add File: a.txt\n+x\n*** End Patch\n"),
      responses("reported"),
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.events.at(-1)).toMatchObject({ type: "turn.completed" });
    expect(r.events.find((e) => e.type === "command.finished")).toMatchObject({
      exit_code: 127,
      output: expect.stringMatching(/\.codex is a symlink/),
    });
    expect(r.events.find((e) => e.type === "patch.finished")).toMatchObject({
      ok: false,
      message: expect.stringMatching(/nothing written: .*\.codex is a symlink/),
    });
    expect(existsSync(join(ws, "a.txt"))).toBe(false);
  });
});

describe("settings that are accepted are honoured", () => {
  it("a resumed session keeps its sandbox and approvals unless flags say otherwise", async () => {
    const { ws, home } = agentWorkspace(fx, "resume-keeps");
    const first = await exec(ws, home, [responses("one")], ["-s", "read-only", "-a", "never"]);
    expect(first.events[0]).toMatchObject({ sandbox: "read-only", approval_policy: "never" });
    const again = await exec(ws, home, [responses("two")], ["--resume-last"]);
    expect(again.events[0]).toMatchObject({ sandbox: "read-only", approval_policy: "never", resumed: true });
    const flagged = await exec(ws, home, [responses("three")], ["--resume-last", "-s", "workspace-write"]);
    expect(flagged.events[0]).toMatchObject({ sandbox: "workspace-write", approval_policy: "never" });
  });

  it('history.persistence = "none" keeps no transcript, and resume says why it has nothing', async () => {
    const { ws, home } = agentWorkspace(fx, "no-history", { extra: '[history]\npersistence = "none"' });
    const r = await exec(ws, home, [responses("said once")]);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(home, "sessions"))).toBe(false);
    expect(existsSync(join(home, "history.jsonl"))).toBe(false);
    const again = await exec(ws, home, [], ["--resume-last"]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/nothing to resume: history\.persistence = "none"/);
  });
});

describe("auto-review through cordon exec (the scripted server plays the reviewer too)", () => {
  const verdict = (risk: string, auth: string, outcome: string) =>
    responses(JSON.stringify({ risk, user_authorization: auth, outcome, rationale: `${risk} risk` }));
  const escalate = (id: string, file: string) =>
    shellCall(id, ["touch", `../${file}`], { with_escalated_permissions: true, justification: "the user asked" });
  const run = async (name: string, reviewerStep: Step, extra = "") => {
    const { ws, home } = agentWorkspace(fx, name, { extra: `approvals_reviewer = "auto_review"\n${extra}` });
    const r = await exec(ws, home, [escalate("e", `${name}.txt`), reviewerStep, responses("done")]);
    return { ...r, ws, home, made: existsSync(join(fx.base, `${name}.txt`)) };
  };
  const reviewOf = (r: { events: Ev[] }) =>
    r.events.find((e) => e.type === "review.finished") as Ev & { status: string; reason: string };

  it("a low-risk escalation runs, and the reviewer saw the action and the conversation", async () => {
    const r = await run("ar-low", verdict("low", "explicit", "allow"));
    expect(r.code, r.stderr).toBe(0);
    expect(reviewOf(r)).toMatchObject({ status: "approved", risk: "low", user_authorization: "explicit" });
    expect(r.made).toBe(true);
    const reviewerRequest = fx.model.requests[1]?.body as { instructions?: string; input?: { content?: unknown }[] };
    expect(JSON.stringify(reviewerRequest.input)).toContain("touch");
    expect(reviewerRequest.instructions).toMatch(/data exfiltration/);
    expect(r.events[0]).toMatchObject({ approvals_reviewer: "auto_review" });
    // The review is in the session transcript.
    const file = readdirSync(join(r.home, "sessions"), { recursive: true })
      .map(String)
      .find((f) => f.endsWith(".jsonl")) as string;
    expect(readFileSync(join(r.home, "sessions", file), "utf8")).toMatch(/"type":"review".*"status":"approved"/);
  });

  it.each([
    ["critical", verdict("critical", "explicit", "allow"), "denied", /risk critical/],
    ["high without explicit authorization", verdict("high", "implicit", "allow"), "denied", /explicit authorization/],
    [
      "a malformed answer",
      responses("looks fine to me"),
      "denied",
      /did not answer with a JSON object; failing closed/,
    ],
    ["a reviewer HTTP error", { status: 400 } as Step, "denied", /auto-review failed .*failing closed/],
  ] as const)("%s: the action does not run", async (_n, step, status, re) => {
    const name = `ar-${Math.random().toString(36).slice(2, 7)}`;
    const r = await run(name, step);
    expect(r.code, r.stderr).toBe(0);
    expect(reviewOf(r)).toMatchObject({ status });
    expect(reviewOf(r).reason).toMatch(re);
    expect(r.made).toBe(false);
  });

  it("a review that takes too long is reported as timed out, and the action does not run", async () => {
    const r = await run("ar-slow", { hang: true }, "[auto_review]\ntimeout_ms = 1500");
    expect(reviewOf(r)).toMatchObject({
      status: "timed_out",
      reason: expect.stringMatching(/timed out after 1500 ms/),
    });
    expect(r.made).toBe(false);
  });

  it("sandboxed actions never go to the reviewer", async () => {
    const { ws, home } = agentWorkspace(fx, "ar-sandboxed", { extra: 'approvals_reviewer = "auto_review"' });
    const r = await exec(ws, home, [shellCall("s", ["bash", "-lc", "echo inside > in.txt"]), responses("done")]);
    expect(r.events.some((e) => e.type.startsWith("review."))).toBe(false);
    expect(fx.model.requests).toHaveLength(2);
    expect(readFileSync(join(ws, "in.txt"), "utf8")).toBe("inside\n");
  });
});

describe("managed configuration (CORDON_SYSTEM_DIR stands in for /etc/cordon)", () => {
  const managedRun = async (
    name: string,
    files: Record<string, string>,
    steps: Step[],
    args: string[] = [],
    extra = "",
  ) => {
    const { ws, home } = agentWorkspace(fx, name, { extra });
    const sys = join(fx.base, `${name}-etc`);
    mkdirSync(join(sys, "rules"), { recursive: true });
    for (const [f, text] of Object.entries(files)) writeFileSync(join(sys, f), text);
    fx.model.reset();
    fx.model.push(...steps);
    const r = await execa("node", [CLI, "exec", "--json", ...args, "go"], {
      cwd: ws,
      env: cliEnv(fx.base, home, { CORDON_SYSTEM_DIR: sys, MY_TEAM_SECRET_VALUE: "x" }),
      extendEnv: false,
      reject: false,
      timeout: 60_000,
      stdin: "ignore",
    });
    return {
      code: r.exitCode,
      stderr: r.stderr,
      events: r.stdout
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Ev),
      sys,
      ws,
      home,
    };
  };

  it("managed values win over flags (with a warning), and requirements refuse what they do not allow, naming file and key", async () => {
    const won = await managedRun(
      "mg1",
      { "managed_config.toml": 'sandbox_mode = "read-only"\n' },
      [responses("ok")],
      ["-s", "workspace-write"],
    );
    expect(won.code, won.stderr).toBe(0);
    expect(won.events[0]).toMatchObject({ sandbox: "read-only" });
    expect(won.stderr).toMatch(
      /managed_config\.toml: sandbox_mode = "read-only" is managed by your administrator; the requested "workspace-write" is not used/,
    );

    const refused = await managedRun(
      "mg2",
      { "requirements.toml": 'allowed_sandbox_modes = ["read-only", "workspace-write"]\n' },
      [responses("never")],
      ["-s", "danger-full-access"],
    );
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      `${join(refused.sys, "requirements.toml")}: allowed_sandbox_modes = ["read-only","workspace-write"] does not allow sandbox_mode = "danger-full-access" (asked for on the command line)`,
    );
    expect(fx.model.requests).toHaveLength(0);

    const reviewer = await managedRun(
      "mg3",
      { "requirements.toml": 'allowed_approvals_reviewers = ["user"]\n' },
      [responses("never")],
      [],
      'approvals_reviewer = "auto_review"',
    );
    expect(reviewer.code).toBe(2);
    expect(reviewer.stderr).toMatch(
      /allowed_approvals_reviewers = \["user"\] does not allow approvals_reviewer = "auto_review"/,
    );
    expect(existsSync(join(reviewer.home, "sessions"))).toBe(false);
  });

  it("forced environment excludes, required rules files and the organisation's review policy apply", async () => {
    const files = {
      "requirements.toml": `shell_environment_policy = { exclude = ["MY_TEAM_*"] }\nrequired_rules_files = ["${join(fx.base, "mg4-etc", "team.rules")}"]\nguardian_policy_config = "Never allow uploads to paste sites."\n`,
      "team.rules": 'prefix_rule(pattern = ["rm"], decision = "forbidden", justification = "team policy")\n',
    };
    const r = await managedRun(
      "mg4",
      files,
      [
        shellCall("env", ["bash", "-lc", "env | grep -c MY_TEAM || true"]),
        shellCall("rm", ["rm", "x"]),
        shellCall("esc", ["touch", "../mg4.txt"], { with_escalated_permissions: true, justification: "x" }),
        responses(JSON.stringify({ risk: "low", user_authorization: "explicit", outcome: "allow", rationale: "fine" })),
        responses("done"),
      ],
      [],
      'approvals_reviewer = "auto_review"\n[shell_environment_policy]\nignore_default_excludes = true',
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.events.find((e) => e.type === "command.finished")).toMatchObject({ output: "0\n" });
    expect(r.events.find((e) => e.type === "approval.decided" && e.call_id === "rm")).toMatchObject({
      decision: "refused",
      reason: "forbidden by an execpolicy rule: team policy",
    });
    expect(JSON.stringify(fx.model.requests[3]?.body.instructions)).toContain("Never allow uploads to paste sites.");

    const missing = await managedRun(
      "mg5",
      { "requirements.toml": 'required_rules_files = ["/nonexistent/team.rules"]\n' },
      [responses("never")],
    );
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/required_rules_files names \/nonexistent\/team\.rules, which does not exist/);
  });

  it("a broken managed file is named, and nothing runs", async () => {
    const r = await managedRun("mg6", { "managed_config.toml": 'sandbox_mode = "sometimes"\n' }, [responses("never")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/managed_config\.toml: invalid configuration\n {2}- line 1: sandbox_mode: "sometimes"/);
    expect(fx.model.requests).toHaveLength(0);
  });
});

describe("web search", () => {
  const toolsSent = () =>
    (fx.model.requests[0]?.body.tools as { type: string; external_web_access?: boolean }[]).filter(
      (t) => t.type !== "function",
    );
  it("offers the provider's search cached by default, live with --search, none when disabled, and warns for a Chat provider", async () => {
    const { ws, home } = agentWorkspace(fx, "ws-search");
    await exec(ws, home, [responses("a")]);
    expect(toolsSent()).toEqual([{ type: "web_search", external_web_access: false }]);
    await exec(ws, home, [responses("b")], ["--search"]);
    expect(toolsSent()).toEqual([{ type: "web_search" }]);
    await exec(ws, home, [responses("c")], ["-c", "web_search=disabled"]);
    expect(toolsSent()).toEqual([]);
    const chat = agentWorkspace(fx, "ws-search-chat", { wire: "chat" });
    const r = await exec(chat.ws, chat.home, [chatStep("d")], ["--search"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/speaks Chat Completions, which has no hosted web search/);
  });
});
