import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../agent/config/load.js";
import { headerSecrets, telemetrySettings } from "../../../common/otel-settings.js";

const F = "/home/u/.cordon/config.toml";
const otel = (toml: string) => {
  const c = parseConfig(`[otel]\n${toml}\n`, F, []).otel;
  if (!c) throw new Error("no [otel]");
  return c;
};

describe("[otel] settings", () => {
  it("defaults: environment dev, exporter none, no prompt text", () =>
    expect(telemetrySettings(otel(""), F, {})).toEqual({
      environment: "dev",
      exporter: { kind: "none" },
      logUserPrompt: false,
    }));

  it("reads the spec's multi-line otlp-http table and expands ${VAR} in header values", () => {
    const s = telemetrySettings(
      otel(
        'environment = "staging"\nexporter = { otlp-http = {\n endpoint = "https://otel.example.com/v1/logs",\n protocol = "binary",\n headers = { "x-otlp-api-key" = "${OTLP_TOKEN}", "x-team" = "t-${TEAM}-1" }\n}}',
      ),
      F,
      { OTLP_TOKEN: "tok", TEAM: "infra" },
    );
    expect(s).toEqual({
      environment: "staging",
      exporter: {
        kind: "otlp-http",
        endpoint: "https://otel.example.com/v1/logs",
        protocol: "binary",
        headers: { "x-otlp-api-key": "tok", "x-team": "t-infra-1" },
      },
      logUserPrompt: false,
    });
    expect(headerSecrets(s)).toEqual(["tok", "t-infra-1"]);
  });

  it("reads otlp-grpc, protocol json, and log_user_prompt", () => {
    expect(
      telemetrySettings(otel('exporter = { otlp-grpc = { endpoint = "https://otel.example.com:4317" } }'), F, {})
        .exporter,
    ).toEqual({ kind: "otlp-grpc", endpoint: "https://otel.example.com:4317", headers: {} });
    expect(
      telemetrySettings(
        otel(
          'log_user_prompt = true\nexporter = { otlp-http = { endpoint = "http://127.0.0.1:4318", protocol = "json" } }',
        ),
        F,
        {},
      ),
    ).toMatchObject({ logUserPrompt: true, exporter: { protocol: "json" } });
  });

  it("a header variable that is not set is an error naming the file, header and variable", () =>
    expect(() =>
      telemetrySettings(
        otel('exporter = { otlp-grpc = { endpoint = "http://c:4317", headers = { "x-k" = "${NOPE}" } } }'),
        F,
        {},
      ),
    ).toThrow(
      `${F}: otel exporter header "x-k" uses \${NOPE}, which is not set in the environment. Set it, or remove the header; nothing was sent.`,
    ));

  it.each([
    ['exporter = "otlp-http"', /otel\.exporter: "otlp-http" expected "none", \{ otlp-http = /],
    ['exporter = { otlp-http = { endpoint = "ftp://x" } }', /must be an http:\/\/ or https:\/\/ URL/],
    ['exporter = { otlp-http = { endpoint = "http://x", protocol = "grpc" } }', /expected "none"/],
    ["log_user_prompt = 1", /otel\.log_user_prompt: 1 Invalid input: expected boolean/],
    ["sample_rate = 1", /unknown key "otel\.sample_rate"/],
  ])("refuses %s", (toml, want) => expect(() => otel(toml)).toThrow(want));
});
