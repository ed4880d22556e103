// The reviewer: a separate model call, bounded by a timeout, that fails
// closed. Effectful (the model client); the decision is verdict.ts's.
import { streamResponse, type ModelRequest } from "../model/client.js";
import type { Item, ModelResponse } from "../model/items.js";
import type { Provider } from "../model/providers.js";
import {
  decideFromVerdict,
  parseVerdict,
  reviewInput,
  reviewInstructions,
  type ReviewRequest,
  type ReviewResult,
} from "./verdict.js";

export interface ReviewerConfig {
  provider: Provider;
  model: string;
  timeoutMs: number;
  policy: string;
  /** Injected for tests; the real client otherwise. */
  stream?: (req: ModelRequest) => Promise<ModelResponse>;
}

/** The last few conversation items as text for the reviewer (long tool output cut). */
export function recentConversation(items: Item[], max = 12): string {
  return items
    .slice(-max)
    .map((i) =>
      i.type === "message"
        ? `${i.role}: ${i.text}`
        : i.type === "function_call"
          ? `agent called ${i.name}: ${i.arguments}`
          : `tool output: ${i.output.slice(0, 500)}`,
    )
    .join("\n");
}

export async function review(
  cfg: ReviewerConfig,
  req: ReviewRequest,
  conversation: string,
  signal: AbortSignal,
): Promise<ReviewResult> {
  const timeout = AbortSignal.timeout(cfg.timeoutMs);
  const both = AbortSignal.any([signal, timeout]);
  let text: string;
  try {
    const res = await (cfg.stream ?? streamResponse)({
      provider: cfg.provider,
      model: cfg.model,
      instructions: reviewInstructions(cfg.policy),
      items: [{ type: "message", role: "user", text: reviewInput(req, conversation) }],
      tools: [],
      signal: both,
    });
    text = res.text;
  } catch (e) {
    if (signal.aborted) return { status: "aborted", reason: "the review was aborted with the turn" };
    if (timeout.aborted)
      return { status: "timed_out", reason: `auto-review timed out after ${cfg.timeoutMs} ms; the action did not run` };
    return {
      status: "denied",
      reason: `auto-review failed (${(e as Error).message}); failing closed, the action did not run`,
    };
  }
  const parsed = parseVerdict(text);
  if ("error" in parsed) return { status: "denied", reason: `${parsed.error}; failing closed, the action did not run` };
  return decideFromVerdict(parsed.verdict);
}
