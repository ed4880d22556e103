// Interactive mode through a real pseudo-terminal (util-linux `script`):
// the trust question, approvals answered at the prompt, /status,
// /permissions, Ctrl-C, /quit. The model is the scripted server on loopback.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { agentWorkspace, useAgentFixture } from "../support/agent-cli.js";
import { startTty as startTtyIn } from "../support/tty.js";
import { responses, shellCall } from "../support/scripted-model.js";

const fx = useAgentFixture("cordon-tty-");
const startTty = (ws: string, home: string, args: string[] = []) => startTtyIn(fx.base, ws, home, args);

function workspace(name: string) {
  fx.model.reset();
  return agentWorkspace(fx, name, { model: "m" });
}

describe("interactive mode on a pseudo-terminal", () => {
  it("asks trust once, asks approval for an escalation, takes y / n with feedback, /status, /permissions, /quit", async () => {
    const { ws, home } = workspace("ws1");
    const t = startTty(ws, home);
    try {
      await t.waitFor(/Do you trust the files in .*ws1\? .*\[y\/N\]/);
      t.send("y\r");
      await t.waitFor(/Trusted; remembered/);
      await t.waitFor(/sandbox workspace-write · approvals on-request/);
      expect(readFileSync(join(home, "config.toml"), "utf8")).toMatch(
        new RegExp(`\\[projects\\."${ws}"\\]\\ntrust_level = "trusted"`),
      );

      fx.model.push(
        responses("I need to go outside.", [
          {
            id: "e1",
            name: "shell",
            args: {
              command: ["touch", "../approved.txt"],
              with_escalated_permissions: true,
              justification: "write next to the repo",
            },
          },
        ]),
        responses("Done."),
      );
      t.send("make a file next to the repo\r");
      await t.waitFor(
        /Approve\? the model asks to run this outside the sandbox\n\s+\$ touch \.\.\/approved\.txt\n\s+in .*ws1\n\s+with: no sandbox \(full access\)\n\s+why \(the model's words\): write next to the repo/,
      );
      t.send("y\r");
      await t.waitFor(/Done\./);
      expect(existsSync(join(fx.base, "approved.txt"))).toBe(true);

      fx.model.push(
        shellCall("e2", ["touch", "../denied.txt"], { with_escalated_permissions: true, justification: "again" }),
        responses("Understood."),
      );
      t.send("another one\r");
      await t.waitFor(/\[n\] no, tell the model/);
      t.send("n\r");
      await t.waitFor(/Tell the model why/);
      t.send("not today\r");
      await t.waitFor(/Understood\./);
      expect(existsSync(join(fx.base, "denied.txt"))).toBe(false);
      const sent = JSON.stringify(fx.model.requests.at(-1)?.body.input);
      expect(sent).toContain("the user denied this: not today");

      // "a": exactly the same command (argv, workdir, permission) runs again without asking; a longer one asks.
      const same = ["bash", "-lc", "echo one > ../s1.txt"];
      fx.model.push(
        shellCall("s1", same, { with_escalated_permissions: true, justification: "first" }),
        shellCall("s2", same, { with_escalated_permissions: true, justification: "second" }),
        shellCall("s3", ["bash", "-lc", "echo one > ../s1.txt; touch ../s3.txt"], {
          with_escalated_permissions: true,
          justification: "longer",
        }),
        responses("Three tries."),
      );
      t.send("write files\r");
      await t.waitFor(/\[a\] yes, and this exact command again this session/);
      t.send("a\r");
      await t.waitFor(/Approve\?[^\n]*\n\s+\$ bash -lc 'echo one > \.\.\/s1\.txt; touch \.\.\/s3\.txt'/);
      t.send("n\r");
      await t.waitFor(/Tell the model why/);
      t.send("\r");
      await t.waitFor(/Three tries\./);
      expect((t.output().match(/\$ bash -lc 'echo one > \.\.\/s1\.txt'\n/g) ?? []).length).toBe(1); // asked once for s1 and s2
      expect(existsSync(join(fx.base, "s1.txt"))).toBe(true);
      expect(existsSync(join(fx.base, "s3.txt"))).toBe(false);

      t.send("/status\r");
      await t.waitFor(
        /model:\s+m via scripted \(responses API at http:\/\/127\.0\.0\.1:\d+\/v1\)\nsandbox:\s+workspace-write\napprovals:\s+on-request\nwritable:\s+.*ws1.*\nfirewall:\s+\S/,
      );
      t.send("/permissions\r");
      await t.waitFor(/Choose 1-3/);
      t.send("2\r");
      await t.waitFor(/permissions: Read-only/);
      fx.model.push(shellCall("r1", ["touch", "ro.txt"]), responses("Blocked, as expected."));
      t.send("try to write\r");
      await t.waitFor(/Blocked, as expected\./);
      expect(t.output()).toMatch(/touch ro\.txt\s+in .*ws1 · read-only sandbox/);
      expect(existsSync(join(ws, "ro.txt"))).toBe(false);
      t.send("/quit\r");
      expect(await t.exited()).toBe(0);
      // One conversation, one session file (the one opened before the trust answer is gone).
      expect(
        readdirSync(join(home, "sessions"), { recursive: true }).filter((f) => String(f).endsWith(".jsonl")),
      ).toHaveLength(1);
    } catch (e) {
      throw new Error(`${(e as Error).message}\n--- terminal ---\n${t.output().slice(-3000)}`);
    } finally {
      t.child.kill("SIGKILL");
    }
  }, 60_000);

  it("Ctrl-C interrupts a turn while the model thinks; twice at the prompt exits; an untrusted folder starts read-only", async () => {
    const { ws, home } = workspace("ws2");
    const t = startTty(ws, home);
    try {
      await t.waitFor(/\[y\/N\]/);
      t.send("n\r");
      await t.waitFor(/Not trusted; starting read-only[\s\S]*sandbox read-only · approvals untrusted/);
      fx.model.push({ hang: true });
      t.send("think hard\r");
      await t.waitFor(/thinking \d+s \(Ctrl-C to interrupt\)/);
      t.send("\x03");
      await t.waitFor(/turn interrupted/);
      t.send("\x03"); // the second one exits
      expect(await t.exited()).toBe(0);
      expect(readFileSync(join(home, "config.toml"), "utf8")).toMatch(/trust_level = "untrusted"/);
    } finally {
      t.child.kill("SIGKILL");
    }
  }, 60_000);

  it("MCP: /mcp lists servers and tools, an elicitation is a form, a side-effecting tool is approved at the prompt", async () => {
    fx.model.reset();
    const server = new URL("../fixtures/mcp/notes-server.mjs", import.meta.url).pathname;
    const { ws, home } = agentWorkspace(fx, "ws-mcp", {
      model: "m",
      extra: `\n[mcp_servers.notes]\ncommand = "node"\nargs = ["${server}"]\nsandbox_mode = "workspace-write"\n`,
    });
    writeFileSync(join(ws, "notes.txt"), "hello\n");
    const t = startTty(ws, home, ["-s", "workspace-write", "-a", "on-request"]);
    try {
      await t.waitFor(/Type a request, or \/status, \/permissions, \/mcp, \/quit/);
      t.send("/mcp\r");
      await t.waitFor(
        /notes \(stdio\): ready — workspace-write sandbox, no network[\s\S]*notes__read_note \[read-only\]: Reads notes\.txt[\s\S]*notes__delete_notes \[destructive\][\s\S]*log: .*notes\.log/,
      );

      fx.model.push(responses("", [{ id: "m1", name: "notes__ask_color", args: {} }]), responses("Got the colour."));
      t.send("ask me\r");
      await t.waitFor(/MCP server notes asks: Pick a colour\n\[y\] answer {2}\[n\] decline {2}\[c\] cancel/);
      t.send("y\r");
      await t.waitFor(/color \[red\/green, required\] >/);
      t.send("blue\r");
      await t.waitFor(/choose one of red, green/);
      t.send("green\r");
      await t.waitFor(/count \[integer, optional\] >/);
      t.send("\r");
      await t.waitFor(/Got the colour\./);
      expect(JSON.stringify(fx.model.requests.at(-1)?.body.input)).toContain(
        JSON.stringify(
          JSON.stringify({ ok: true, output: JSON.stringify({ action: "accept", content: { color: "green" } }) }),
        ).slice(1, -1),
      );

      fx.model.push(
        responses("", [{ id: "m2", name: "notes__append_note", args: { line: "from the prompt" } }]),
        responses("Appended."),
      );
      t.send("append\r");
      await t.waitFor(
        /Approve\? the MCP tool may change things \(its server does not mark it read-only\)\n\s+MCP tool append_note of server notes, arguments \{"line":"from the prompt"\}\n\s+in .*ws-mcp\n\s+with: MCP server notes \(workspace-write sandbox, no network\)/,
      );
      await t.waitFor(/\[a\] yes, and this exact MCP tool call \(same arguments\) again this session/);
      t.send("y\r");
      await t.waitFor(/Appended\./);
      expect(readFileSync(join(ws, "notes.txt"), "utf8")).toBe("hello\nfrom the prompt\n");
      t.send("/quit\r");
      expect(await t.exited()).toBe(0);
    } catch (e) {
      throw new Error(`${(e as Error).message}\n--- terminal ---\n${t.output().slice(-3000)}`);
    } finally {
      t.child.kill("SIGKILL");
    }
  }, 60_000);
});
