// The credentials cordon itself uses never reach a command: by name and by value, under any policy.
import { describe, expect, it } from "vitest";
import { credentialVars } from "../../../agent/config/credential-vars.js";
import { parseConfig } from "../../../agent/config/load.js";
import { commandEnvFromConfig } from "../../../agent/sandbox/command-env.js";

const cfg = parseConfig(
  `[shell_environment_policy]
ignore_default_excludes = true
[mcp_servers.tracker]
url = "https://mcp.tracker.test/mcp"
bearer_token_env_var = "TRACKER_AUTH"
env_http_headers = { "x-tenant" = "TRACKER_TENANT" }
http_headers = { "x-static" = "static-mcp-header-value" }
[otel]
exporter = { otlp-http = { endpoint = "https://collector.test", headers = { "x-k" = "\${COLLECTOR_AUTH}", "x-lit" = "literal-otel-header" } } }
`,
  "/h/.cordon/config.toml",
  [],
);

describe("credentials cordon uses", () => {
  it("names every variable MCP servers and [otel] read credentials from", () =>
    expect(credentialVars(cfg)).toEqual(["COLLECTOR_AUTH", "TRACKER_AUTH", "TRACKER_TENANT"]));

  it("are kept from commands by name and by value, even with the default excludes off", () => {
    const env = {
      PATH: "/usr/bin",
      TRACKER_AUTH: "mcp-bearer-123456",
      TRACKER_TENANT: "tenant-abcdef",
      COLLECTOR_AUTH: "collector-secret-987",
      COPY_OF_AUTH: "prefix-collector-secret-987",
      HEADER_COPY: "static-mcp-header-value",
      OTEL_COPY: "literal-otel-header",
      MY_TOKEN: "kept-because-default-excludes-are-off",
    };
    expect(commandEnvFromConfig(cfg, env, [])).toEqual({
      PATH: "/usr/bin",
      MY_TOKEN: "kept-because-default-excludes-are-off",
    });
  });
});
