// Streams one model response over HTTP (undici), for either wire protocol,
// with retries: 429/5xx/connection errors back off (honouring Retry-After),
// and a stream that breaks before its completion event is retried from the
// start. Nothing of a broken attempt reaches the conversation: the caller
// gets a ModelResponse only when one attempt completed.
import { createParser } from "eventsource-parser";
import { EnvHttpProxyAgent, fetch, type Dispatcher } from "undici";
import type { Item, ModelResponse, StreamEvent, ToolSpec } from "./items.js";
import type { Provider } from "./providers.js";
import { MAX_ATTEMPTS, retryableStatus, retryDelayMs } from "./retry.js";
import { chatBody, onChatChunk } from "./wire-chat.js";
import { onResponsesEvent, responsesBody, type WebSearchMode, type WireState } from "./wire-responses.js";
import { sleep } from "../../common/sleep.js";

export class ModelError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly retryAfter: string | null = null,
    /** The HTTP status, when the server answered. */
    readonly status: number | null = null,
  ) {
    super(message);
  }
}

export interface ModelRequest {
  provider: Provider;
  model: string;
  instructions: string;
  items: Item[];
  tools: ToolSpec[];
  /** The provider's hosted web search (Responses API only; ignored for Chat Completions). */
  webSearch?: WebSearchMode;
  signal?: AbortSignal;
  onEvent?: (e: StreamEvent) => void;
}

let dispatcher: Dispatcher | undefined;
/** HTTP(S)_PROXY / NO_PROXY from the environment, as curl reads them. */
export function proxyAware(): Dispatcher {
  dispatcher ??= new EnvHttpProxyAgent();
  return dispatcher;
}

async function attempt(r: ModelRequest): Promise<ModelResponse & { usage?: WireState["usage"] }> {
  const { provider } = r;
  const chat = provider.wireApi === "chat";
  const url = `${provider.baseUrl}/${chat ? "chat/completions" : "responses"}`;
  const body = chat
    ? chatBody(r.model, r.instructions, r.items, r.tools)
    : responsesBody(r.model, r.instructions, r.items, r.tools, r.webSearch);
  let res;
  try {
    res = await fetch(url, {
      method: "POST",
      dispatcher: proxyAware(),
      headers: {
        "content-type": "application/json",
        accept: "text/event-stream",
        ...provider.headers,
        ...(provider.apiKey ? { authorization: `Bearer ${provider.apiKey}` } : {}),
      },
      body: JSON.stringify(body),
      ...(r.signal ? { signal: r.signal } : {}),
    });
  } catch (e) {
    if (r.signal?.aborted) throw e;
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new ModelError(
      `cannot reach the model server at ${url}: ${cause?.code ?? cause?.message ?? (e as Error).message}`,
      true,
    );
  }
  if (!res.ok) {
    const text = (await res.text().catch(() => "")).slice(0, 500);
    let msg = text;
    try {
      msg = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? text;
    } catch {
      /* not JSON */
    }
    const hint =
      res.status === 401
        ? " (check the API key)"
        : res.status === 404
          ? ` (is ${url} the right endpoint? wire_api = "${provider.wireApi}")`
          : "";
    throw new ModelError(
      `the model server answered ${res.status} ${res.statusText}: ${msg || "(no body)"}${hint}`,
      retryableStatus(res.status),
      res.headers.get("retry-after"),
      res.status,
    );
  }
  if (!res.body) throw new ModelError("the model server sent no body", true, null, res.status);
  const state: WireState = { text: "", calls: [], done: false };
  const partial = new Map<number, { id: string; name: string; args: string }>();
  let failure: Error | null = null;
  const parser = createParser({
    onEvent: (ev) => {
      if (failure || state.done) return;
      try {
        const delta = chat ? onChatChunk(state, partial, ev.data) : onResponsesEvent(state, ev.event, ev.data);
        if (delta) r.onEvent?.({ type: "text", delta });
      } catch (e) {
        failure = e as Error;
      }
    },
  });
  const decoder = new TextDecoder();
  try {
    for await (const chunk of res.body) {
      parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }));
      if (failure || state.done) break;
    }
  } catch (e) {
    if (r.signal?.aborted) throw e;
    throw new ModelError(`the response stream broke off: ${(e as Error).message}`, true, null, res.status);
  }
  if (failure) throw new ModelError((failure as Error).message, false, null, res.status);
  if (!state.done)
    throw new ModelError("the response stream ended before the response was complete", true, null, res.status);
  return { text: state.text, calls: state.calls, ...(state.usage ? { usage: state.usage } : {}) };
}

/** One model response, retried as needed; throws ModelError when it cannot be had. */
export async function streamResponse(r: ModelRequest, rand: () => number = Math.random): Promise<ModelResponse> {
  for (let n = 1; ; n++) {
    const t0 = performance.now();
    const took = () => Math.round((performance.now() - t0) * 10) / 10;
    try {
      const res = await attempt(r);
      const durationMs = took();
      r.onEvent?.({ type: "attempt", attempt: n, status: 200, ok: true, durationMs });
      r.onEvent?.({
        type: "completed",
        durationMs,
        calls: res.calls.length,
        ...(res.usage ? { usage: res.usage } : {}),
      });
      return { text: res.text, calls: res.calls };
    } catch (e) {
      if (!r.signal?.aborted)
        r.onEvent?.({
          type: "attempt",
          attempt: n,
          status: e instanceof ModelError ? e.status : null,
          ok: false,
          durationMs: took(),
          error: (e as Error).message,
        });
      if (!(e instanceof ModelError) || !e.retryable || n >= MAX_ATTEMPTS) {
        if (e instanceof ModelError && e.retryable)
          throw new ModelError(`${e.message} (gave up after ${n} attempts)`, false);
        throw e;
      }
      const delayMs = retryDelayMs(n, e.retryAfter, Date.now(), rand);
      r.onEvent?.({ type: "retrying", attempt: n + 1, delayMs, reason: e.message });
      await sleep(delayMs, r.signal);
    }
  }
}
