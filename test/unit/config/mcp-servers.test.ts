// [mcp_servers.NAME] in config.toml: what is accepted, what each mistake says,
// and the text edits `cordon mcp add|remove` make.
import { describe, expect, it } from "vitest";
import { withServerAdded, withServerRemoved } from "../../../agent/config/config-edit.js";
import { parseConfig } from "../../../agent/config/load.js";

const F = "/home/u/.cordon/config.toml";
const problems = (src: string) => {
  try {
    parseConfig(src, F, []);
  } catch (e) {
    return (e as Error).message.split("\n").filter((l) => l.startsWith("  - "));
  }
  return [];
};

describe("mcp_servers", () => {
  it("reads a stdio server with its sandbox defaults (read-only, no network)", () => {
    const c = parseConfig('[mcp_servers.notes]\ncommand = "node"\nargs = ["s.js"]\n', F, []);
    expect(c.mcp_servers).toEqual({
      notes: {
        command: "node",
        args: ["s.js"],
        env: {},
        env_vars: [],
        sandbox_mode: "read-only",
        network_access: false,
        http_headers: {},
        env_http_headers: {},
        enabled: true,
        startup_timeout_ms: 10000,
        tool_timeout_ms: 60000,
        disabled_tools: [],
      },
    });
  });

  it.each([
    [
      '[mcp_servers.s]\nargs = ["x"]\n',
      '  - line 1: mcp_servers.s: {"args":["x"]} needs exactly one of command (a stdio server) or url (a streamable HTTP server)',
    ],
    [
      '[mcp_servers.s]\ncommand = "x"\nbearer_token_env_var = "T"\n',
      '  - line 3: mcp_servers.s.bearer_token_env_var: "T" bearer_token_env_var applies to streamable HTTP servers (url), and this one is a stdio server',
    ],
    [
      '[mcp_servers.s]\nurl = "http://127.0.0.1:1/mcp"\nsandbox_mode = "none"\n',
      '  - line 3: mcp_servers.s.sandbox_mode: "none" sandbox_mode applies to stdio servers (command), and this one is an HTTP server',
    ],
    [
      '[mcp_servers.s]\nurl = "ftp://x/"\n',
      '  - line 2: mcp_servers.s.url: "ftp://x/" must be an http:// or https:// URL',
    ],
    [
      '[mcp_servers.s]\ncommand = "x"\ntool_timeout_ms = "5"\n',
      '  - line 3: mcp_servers.s.tool_timeout_ms: "5" Invalid input: expected number, received string',
    ],
    [
      '[mcp_servers.s]\ncommand = "x"\nenv = { "A B" = "1" }\n',
      '  - line 3: mcp_servers.s.env.A B: the key "A B" must be an environment variable name',
    ],
    ['[mcp_servers.s]\ncommand = "x"\nsandbox = "none"\n', '  - line 3: unknown key "mcp_servers.s.sandbox"'],
    [
      '[mcp_servers."a.b"]\ncommand = "x"\n',
      '  - mcp_servers.a.b: {"command":"x"} server name "a.b": use 1-32 letters, digits, _ or - (it becomes part of the tool names the model sees)',
    ],
  ])("refuses %j, naming the server and key", (src, want) => expect(problems(src)).toEqual([want]));
});

describe("cordon mcp add/remove as text edits", () => {
  const original =
    '# my settings\nmodel = "m"\n\n[mcp_servers.old]\ncommand = "old"\n# keep me\n[projects."/w"]\ntrust_level = "trusted"\n';

  it("appends a table and keeps everything else as written", () => {
    const text = withServerAdded(original, F, "new", {
      command: "node",
      args: ["s.js"],
      sandbox_mode: "workspace-write",
    });
    expect(text).toBe(
      `${original}\n[mcp_servers.new]\ncommand = "node"\nargs = [ "s.js" ]\nsandbox_mode = "workspace-write"\n\n`,
    );
    expect(parseConfig(text, F, []).mcp_servers.new?.sandbox_mode).toBe("workspace-write");
  });

  it("refuses a taken name and an invalid server, changing nothing", () => {
    expect(() => withServerAdded(original, F, "old", { command: "x" })).toThrow(
      `${F}: mcp_servers.old already exists; nothing changed (cordon mcp remove old first)`,
    );
    expect(() => withServerAdded(original, F, "bad", { command: "x", sandbox_mode: "nope" })).toThrow(
      /mcp_servers\.bad\.sandbox_mode: "nope" Invalid option/,
    );
  });

  it("removes the server's tables and only those", () => {
    const src = `${original}[mcp_servers.old.env]\nA = "1"\n[mcp_servers.other]\ncommand = "o"\n`;
    expect(withServerRemoved(src, F, "old")).toBe(
      '# my settings\nmodel = "m"\n\n[projects."/w"]\ntrust_level = "trusted"\n[mcp_servers.other]\ncommand = "o"\n',
    );
    expect(() => withServerRemoved(src, F, "ghost")).toThrow(`${F}: no MCP server ghost here; nothing changed`);
  });

  it("leaves an inline definition alone and says so", () => {
    expect(() => withServerRemoved('mcp_servers = { x = { command = "c" } }\n', F, "x")).toThrow(
      /mcp_servers\.x is written in a form cordon does not edit/,
    );
  });
});
