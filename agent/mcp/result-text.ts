// What the model gets back from an MCP tool call: text parts as they are,
// structured content as JSON, images and audio as a note (the model cannot
// see them here), resources by URI or text. Pure.

/** The parts of a CallToolResult cordon reads (the SDK validates the rest). */
export interface ToolResult {
  content?: { type: string; [k: string]: unknown }[];
  structuredContent?: Record<string, unknown> | undefined;
  isError?: boolean | undefined;
}

/** The output the model sees is cut here, as a command's is. */
export const MAX_RESULT_CHARS = 64 * 1024;

function part(c: { type: string; [k: string]: unknown }): string {
  switch (c.type) {
    case "text":
      return String(c.text ?? "");
    case "image":
    case "audio": {
      const bytes = Buffer.from(String(c.data ?? ""), "base64").length;
      return `[${c.type} ${String(c.mimeType ?? "")}, ${bytes} bytes: not shown]`;
    }
    case "resource_link":
      return `[resource ${String(c.uri ?? "")}${c.name ? ` (${String(c.name)})` : ""}]`;
    case "resource": {
      const r = (c.resource ?? {}) as { uri?: string; text?: string; mimeType?: string };
      return typeof r.text === "string" ? r.text : `[resource ${r.uri ?? ""} ${r.mimeType ?? ""}: binary, not shown]`;
    }
    default:
      return `[${c.type} content: not shown]`;
  }
}

/** The JSON string returned to the model for a result. */
export function resultForModel(r: ToolResult): string {
  let text = (r.content ?? []).map(part).join("\n");
  let truncated = false;
  if (text.length > MAX_RESULT_CHARS) {
    text = text.slice(0, MAX_RESULT_CHARS);
    truncated = true;
  }
  return JSON.stringify({
    ok: !r.isError,
    output: text,
    ...(r.structuredContent ? { structured: r.structuredContent } : {}),
    ...(truncated ? { truncated: true } : {}),
  });
}
