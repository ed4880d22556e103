// Lint is part of `npm test`: recommended + type-aware rules that catch
// floating promises, which matter in a daemon that must not drop errors.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "eslint.config.js", "test/fixtures/**", "scripts/*.mjs"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
    },
  },
  {
    // The pure cores DESIGN.md lists: they decide, they never act. Importing a
    // way to touch the filesystem, processes or the network here is an error,
    // so the split between policy and effects cannot erode.
    files: [
      "agent/sandbox/{policy,bwrap-args,seccomp-bpf,explain,env-policy,socket-masks}.ts",
      "agent/approvals/{bash-syntax,safe-commands,dangerous,approval-table,shell-parse}.ts",
      "agent/mcp/{tool-catalog,result-text,elicitation-form}.ts",
      "agent/telemetry/{redact,records}.ts",
      "common/{otel-config,otel-settings,otel-records}.ts",
      "agent/execpolicy/rules.ts",
      "agent/tools/{patch-parse,patch-hunks,patch-policy}.ts",
      "agent/model/{wire-responses,wire-chat,retry,providers,items}.ts",
      "agent/review/{verdict,policy-text}.ts",
      "agent/config/{resolve,requirements,schema,endpoints,credential-vars}.ts",
      "agent/cli/{visible,mcp-status}.ts",
      "agent/init/{ecosystems,allowlist-text,devcontainer-merge,file-changes}.ts",
      "firewall/{nft-render,rebinding,allowlist-schema,ruleset-plan,egress-check,telemetry-records,local-network-parse,ip-syntax}.ts",
      "firewall/dns-refresher/{schedule,address-book,kernel-plan,refresh-loop,daemon-runtime}.ts",
      "firewall/dns-forwarder/{name-policy,answer,answer-cache,batched-apply,record-arena,wire}.ts",
      "firewall/dns/{names,wire-query,chain-walk}.ts",
    ],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: ["fs", "fs/promises", "child_process", "net", "dgram", "dns", "http", "https", "undici", "execa"]
            .flatMap((m) => [m, ...(["undici", "execa"].includes(m) ? [] : [`node:${m}`])])
            .map((name) => ({
              name,
              message: "this module is pure (policy, not effects): take what it needs as a parameter; see DESIGN.md",
            })),
        },
      ],
    },
  },
);
