// Which server and wire protocol a model name goes to. Pure: config and
// environment are parameters.
import { UserError } from "../../common/user-error.js";
import type { ConfigFile } from "../config/schema.js";

export interface Provider {
  id: string;
  baseUrl: string;
  wireApi: "responses" | "chat";
  headers: Record<string, string>;
  apiKey: string | null;
}

export class ModelConfigError extends UserError {}

const BUILTIN: Record<string, { base_url: string; env_key?: string; wire_api: "responses" | "chat" }> = {
  openai: { base_url: "https://api.openai.com/v1", env_key: "OPENAI_API_KEY", wire_api: "responses" },
  ollama: { base_url: "http://localhost:11434/v1", wire_api: "chat" },
  lmstudio: { base_url: "http://localhost:1234/v1", wire_api: "chat" },
};

export const DEFAULT_MODEL = "gpt-5-codex";

export function resolveProvider(
  cfg: Pick<ConfigFile, "model_provider" | "model_providers">,
  env: NodeJS.ProcessEnv,
  override?: string,
): Provider {
  const id = override ?? cfg.model_provider ?? "openai";
  const p = cfg.model_providers[id] ?? BUILTIN[id];
  if (!p) {
    const known = [...Object.keys(BUILTIN), ...Object.keys(cfg.model_providers)];
    throw new ModelConfigError(
      `model_provider "${id}" is not defined: add [model_providers.${id}] with base_url to config.toml (known: ${known.join(", ")})`,
    );
  }
  let apiKey: string | null = null;
  if (p.env_key) {
    apiKey = env[p.env_key] ?? null;
    if (!apiKey)
      throw new ModelConfigError(
        `model provider "${id}" needs an API key: set the environment variable ${p.env_key} (export ${p.env_key}=...)`,
      );
  }
  const headers = "http_headers" in p ? (p.http_headers as Record<string, string>) : {};
  return { id, baseUrl: p.base_url.replace(/\/+$/, ""), wireApi: p.wire_api, headers, apiKey };
}

/** Every provider's key variable, and the values of keys and headers: what a command's environment must never carry. */
export function providerSecrets(
  cfg: Pick<ConfigFile, "model_providers">,
  env: NodeJS.ProcessEnv,
): { names: string[]; values: string[] } {
  const all = [...Object.values(BUILTIN), ...Object.values(cfg.model_providers)];
  const names = [...new Set(all.map((p) => p.env_key).filter((k): k is string => Boolean(k)))];
  const values = [
    ...names.map((n) => env[n]).filter((v): v is string => Boolean(v)),
    ...Object.values(cfg.model_providers).flatMap((p) => Object.values(p.http_headers)),
  ];
  return { names, values };
}
