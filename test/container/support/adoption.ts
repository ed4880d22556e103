// Shared by the suites that bring up other teams' repositories (the Feature via
// cordon init, the Template): the generated allowlist and devcontainer.json
// pointed at the test network, and a scripted agent task inside the container.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { applyEdits, modify } from "jsonc-parser";
import { expect } from "vitest";
import { responses, shellCall, type Step } from "../../support/scripted-model.js";
import { devcontainerUp, type DevContainer } from "./devcontainer.js";
import type { OfflineImages } from "./docker.js";
import { HOSTS, type TestNet } from "./testnet.js";
import { REPO_ROOT } from "./workspace.js";

const MODEL_PORT = 18080;

/**
 * The generated allowlist pointed at the test network: its names become test
 * names, Docker's embedded DNS forwards to the test DNS server, TEST-NET is
 * exempt from the rebinding filter. Everything else stays as generated.
 */
export function pointAtTestNet(dir: string): void {
  const file = join(dir, ".devcontainer/allowlist.toml");
  const generated = readFileSync(file, "utf8");
  expect(generated).toMatch(/^# cordon-init: sha256=/m); // the generated file, not a stand-in
  const text = generated
    .replace(/^ {2}"[^"]+",$/gm, "")
    .replace("names = [", 'names = [\n  "allowed.test", "alias.test", "cdn.test",')
    .replace('resolvers = ["system"]', `resolvers = ["system", "${HOSTS.dns.v4}"]`)
    .concat(`\n[rebind]\nexempt_cidrs = ["198.51.100.0/24", "2001:db8:cd::/64"]\n`);
  writeFileSync(file, text);
}

/** Adds the test network to the repository's devcontainer.json (as a team would add their own runArgs). */
export function onTestNet(dir: string, net: TestNet, config = ".devcontainer/devcontainer.json"): void {
  const file = join(dir, config);
  let text = readFileSync(file, "utf8");
  for (const a of [`--network=${net.network}`, `--dns=${HOSTS.dns.v4}`, "--label=cordon.testnet=1"])
    text = applyEdits(text, modify(text, ["runArgs", 0], a, { isArrayInsertion: true, formattingOptions: {} }));
  writeFileSync(file, text);
}

/** The repository on the test network, owned by the fixtures' `dev` (uid 1000), brought up with `devcontainer up`. */
export async function upOnTestNet(
  dir: string,
  net: TestNet,
  images: OfflineImages,
  config = ".devcontainer/devcontainer.json",
): Promise<DevContainer> {
  onTestNet(dir, net, config);
  execFileSync("chown", ["-R", "1000:1000", dir]);
  return devcontainerUp({ workspace: dir, config, images });
}

/** The scripted task: the model runs one command that writes a file, then says it is done. */
export async function runScriptedTask(c: DevContainer, user: string, extraArgs: string[] = []) {
  const frames = (s: Step) => ("sse" in s ? s.sse : []);
  const script = [
    frames(shellCall("c1", ["bash", "-c", "echo made-by-agent > agent-result.txt && cat agent-result.txt"])),
    frames(responses("done")),
  ];
  const dir = `/tmp/model-${Date.now()}`;
  const put = await c.sh(
    `mkdir -p ${dir} && cat > ${dir}/script.json <<'EOF'\n${JSON.stringify(script)}\nEOF\n` +
      `cat > ${dir}/model.mjs <<'EOF'\n${readFileSync(join(REPO_ROOT, "test/fixtures/model/scripted-model.mjs"), "utf8")}\nEOF\n` +
      `(/usr/local/lib/cordon/bin/node ${dir}/model.mjs ${MODEL_PORT} ${dir}/script.json >/dev/null 2>&1 &) ; ` +
      `for i in $(seq 1 50); do (echo > /dev/tcp/127.0.0.1/${MODEL_PORT}) 2>/dev/null && break; sleep 0.1; done`,
    "root",
  );
  expect(put.exitCode, put.stderr).toBe(0);
  const cfg = await c.sh(
    `mkdir -p ~/.cordon && printf '%s\\n' 'model = "test-model"' 'model_provider = "scripted"' '[model_providers.scripted]' ` +
      `'base_url = "http://127.0.0.1:${MODEL_PORT}/v1"' 'wire_api = "responses"' > ~/.cordon/config.toml`,
    user,
  );
  expect(cfg.exitCode, cfg.stderr).toBe(0);
  const r = await c.sh(`cordon exec --json ${extraArgs.join(" ")} 'write the file' </dev/null`, user);
  const requests = (await c.sh(`cat ${dir}/script.json.requests`, "root")).stdout.split("\n").filter(Boolean);
  await c.sh(`pkill -f ${dir}/model.mjs`, "root");
  return { ...r, requests };
}
