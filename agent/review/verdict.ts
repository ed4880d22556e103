// The reviewer's answer and what it means. Pure: the prompt is built from
// plain data, the answer is validated with zod, and the decision is a table
// over risk x user authorization x outcome. Anything unreadable denies.
import * as z from "zod";
import "../../common/zod-config.js";

export const Verdict = z.strictObject({
  risk: z.enum(["low", "medium", "high", "critical"]),
  user_authorization: z.enum(["none", "implicit", "explicit"]),
  outcome: z.enum(["allow", "deny"]),
  rationale: z.string().min(1).max(2000),
});
export type Verdict = z.infer<typeof Verdict>;

export type ReviewStatus = "approved" | "denied" | "timed_out" | "aborted";

export interface ReviewResult {
  status: ReviewStatus;
  /** Why, in words, for the user and the model. */
  reason: string;
  verdict?: Verdict;
}

export interface ReviewRequest {
  tool: string;
  argv: string[];
  workdir: string;
  permission: string;
  reason: string;
  justification?: string;
}

export function reviewInstructions(policy: string): string {
  return `${policy}

Answer with one JSON object and nothing else:
{"risk": "low" | "medium" | "high" | "critical", "user_authorization": "none" | "implicit" | "explicit", "outcome": "allow" | "deny", "rationale": "one or two sentences"}`;
}

export function reviewInput(req: ReviewRequest, conversation: string): string {
  return [
    "Recent conversation (oldest first):",
    conversation || "(none)",
    "",
    "The action to review:",
    JSON.stringify(
      {
        tool: req.tool,
        command: req.argv,
        workdir: req.workdir,
        runs_with: req.permission,
        why_it_needs_approval: req.reason,
        agent_justification: req.justification ?? null,
      },
      null,
      2,
    ),
  ].join("\n");
}

/** The first JSON object in the reviewer's text, validated; null when there is none or it does not fit. */
export function parseVerdict(text: string): { verdict: Verdict } | { error: string } {
  const start = text.indexOf("{");
  const end = text.lastIndexOf("}");
  if (start < 0 || end < start) return { error: "the reviewer did not answer with a JSON object" };
  let raw: unknown;
  try {
    raw = JSON.parse(text.slice(start, end + 1));
  } catch (e) {
    return { error: `the reviewer's answer is not valid JSON (${(e as Error).message})` };
  }
  const r = Verdict.safeParse(raw);
  if (!r.success)
    return {
      error: `the reviewer's answer does not fit the form: ${r.error.issues.map((i) => `${i.path.join(".") || "(answer)"}: ${i.message}`).join("; ")}`,
    };
  return { verdict: r.data };
}

/** critical -> deny; high -> only with explicit user authorization and an allow outcome; low/medium -> as the reviewer says. */
export function decideFromVerdict(v: Verdict): ReviewResult {
  const tag = `risk ${v.risk}, user authorization ${v.user_authorization}`;
  if (v.risk === "critical")
    return { status: "denied", reason: `auto-review denied it (${tag}): ${v.rationale}`, verdict: v };
  if (v.outcome === "deny")
    return { status: "denied", reason: `auto-review denied it (${tag}): ${v.rationale}`, verdict: v };
  if (v.risk === "high" && v.user_authorization !== "explicit") {
    return {
      status: "denied",
      reason: `auto-review denied it: high risk needs the user's explicit authorization (${tag}): ${v.rationale}`,
      verdict: v,
    };
  }
  return { status: "approved", reason: `auto-review approved it (${tag}): ${v.rationale}`, verdict: v };
}
