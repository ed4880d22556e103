// The conversation as cordon keeps it (and writes to the session file):
// provider-neutral items, converted to each wire format at the edge.

export type Item =
  | { type: "message"; role: "user" | "assistant"; text: string }
  | { type: "function_call"; callId: string; name: string; arguments: string }
  | { type: "function_call_output"; callId: string; output: string };

export interface ToolSpec {
  name: string;
  description: string;
  /** JSON Schema of the arguments object. */
  parameters: Record<string, unknown>;
}

/** What one model response adds to the conversation, once it completed. */
export interface ModelResponse {
  text: string;
  calls: { callId: string; name: string; arguments: string }[];
}

/** Live events while a response streams. */
export type StreamEvent =
  | { type: "text"; delta: string }
  | { type: "retrying"; attempt: number; delayMs: number; reason: string }
  /** One HTTP attempt ended: its status (null when no answer came), whether it gave a complete response. */
  | { type: "attempt"; attempt: number; status: number | null; ok: boolean; durationMs: number; error?: string }
  /** The response stream completed (token counts when the server sent them). */
  | {
      type: "completed";
      durationMs: number;
      calls: number;
      usage?: { input_tokens: number; output_tokens: number };
    };
