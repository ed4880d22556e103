// Sessions as JSONL under ~/.cordon/sessions/, one line per item, appended
// (synchronously) as it happens: a crash loses nothing already said. The
// first line is the session's metadata.
import { randomUUID } from "node:crypto";
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { UserError } from "../../common/user-error.js";
import type { ApprovalPolicy, SandboxMode } from "../config/schema.js";
import type { Item } from "../model/items.js";

export interface SessionMeta {
  id: string;
  createdAt: string;
  cwd: string;
  model: string;
  provider: string;
  /** The sandbox mode and approval policy the conversation ran with: a resume keeps them unless flags say otherwise. */
  sandbox?: SandboxMode;
  approval?: ApprovalPolicy;
}

export interface Session {
  meta: SessionMeta;
  /** null when history.persistence = "none": the conversation is kept in memory only. */
  file: string | null;
  items: Item[];
}

export class SessionError extends UserError {}

export function sessionsDir(home: string): string {
  return join(home, "sessions");
}

export function createSession(home: string, meta: Omit<SessionMeta, "id" | "createdAt">, persist = true): Session {
  const id = randomUUID();
  const createdAt = new Date().toISOString();
  if (!persist) return { meta: { id, createdAt, ...meta }, file: null, items: [] };
  const dir = join(sessionsDir(home), createdAt.slice(0, 10));
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, `${createdAt.replace(/[:.]/g, "-")}-${id}.jsonl`);
  const full = { id, createdAt, ...meta };
  writeFileSync(file, `${JSON.stringify({ type: "session_meta", ...full })}\n`, { mode: 0o600 });
  return { meta: full, file, items: [] };
}

export function appendItem(s: Session, item: Item): void {
  s.items.push(item);
  if (s.file) appendFileSync(s.file, `${JSON.stringify({ type: "item", at: new Date().toISOString(), item })}\n`);
}

/** A non-conversation entry (an auto-review) in the transcript; reading a session skips these. */
export function appendEntry(s: Session, entry: Record<string, unknown>): void {
  if (s.file) appendFileSync(s.file, `${JSON.stringify({ ...entry, at: new Date().toISOString() })}\n`);
}

/** Reads a session file; a torn last line (a crash mid-write) is dropped, anything else malformed is an error. */
export function readSession(file: string): Session {
  const lines = readFileSync(file, "utf8").split("\n");
  let meta: SessionMeta | null = null;
  const items: Item[] = [];
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    let j: { type?: string; item?: Item } & Partial<SessionMeta>;
    try {
      j = JSON.parse(line) as typeof j;
    } catch {
      if (i >= lines.length - 2) return; // the torn tail of a crash
      throw new SessionError(`${file}: line ${i + 1} is not valid JSON`);
    }
    if (j.type === "session_meta") {
      meta = {
        id: j.id as string,
        createdAt: j.createdAt as string,
        cwd: j.cwd as string,
        model: j.model as string,
        provider: j.provider as string,
        ...(j.sandbox ? { sandbox: j.sandbox } : {}),
        ...(j.approval ? { approval: j.approval } : {}),
      };
    } else if (j.type === "item" && j.item) items.push(j.item);
  });
  if (!meta) throw new SessionError(`${file}: no session_meta line; not a cordon session file`);
  // A call without its output (killed mid-command) would be rejected by the API: close it.
  const answered = new Set(
    items.filter((x) => x.type === "function_call_output").map((x) => (x as { callId: string }).callId),
  );
  for (const x of [...items]) {
    if (x.type === "function_call" && !answered.has(x.callId))
      items.push({
        type: "function_call_output",
        callId: x.callId,
        output: "not run: the session ended before this call finished",
      });
  }
  return { meta, file, items };
}

function allSessionFiles(home: string): string[] {
  const root = sessionsDir(home);
  if (!existsSync(root)) return [];
  return readdirSync(root).flatMap((d) => {
    const dir = join(root, d);
    return statSync(dir).isDirectory()
      ? readdirSync(dir)
          .filter((f) => f.endsWith(".jsonl"))
          .map((f) => join(dir, f))
      : [];
  });
}

/** Finds a session by id (or unique id prefix), or the most recent one. */
export function findSession(home: string, which: { id?: string; last?: boolean }): Session {
  const files = allSessionFiles(home);
  if (which.last) {
    const latest = files.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
    if (!latest) throw new SessionError(`no sessions under ${sessionsDir(home)} yet`);
    return readSession(latest);
  }
  const id = which.id ?? "";
  const hits = id ? files.filter((f) => basename(f).slice(-42, -6).startsWith(id)) : [];
  if (hits.length === 0)
    throw new SessionError(
      `no session with id ${id} under ${sessionsDir(home)} (cordon resume --last picks the latest)`,
    );
  if (hits.length > 1) throw new SessionError(`id ${id} matches ${hits.length} sessions; give more of it`);
  return readSession(hits[0] as string);
}

/** Prompt history (~/.cordon/history.jsonl): kept per history.persistence, trimmed to history.max_bytes. */
export function recordPrompt(
  home: string,
  sessionId: string,
  text: string,
  persistence: "save-all" | "none",
  maxBytes: number | undefined,
): void {
  if (persistence === "none") return;
  const file = join(home, "history.jsonl");
  mkdirSync(home, { recursive: true, mode: 0o700 });
  appendFileSync(file, `${JSON.stringify({ session_id: sessionId, ts: Math.floor(Date.now() / 1000), text })}\n`, {
    mode: 0o600,
  });
  if (maxBytes && statSync(file).size > maxBytes) {
    const lines = readFileSync(file, "utf8").split("\n").filter(Boolean);
    let size = lines.reduce((s, l) => s + Buffer.byteLength(l) + 1, 0);
    while (lines.length > 1 && size > maxBytes) size -= Buffer.byteLength(lines.shift() as string) + 1;
    writeFileSync(file, `${lines.join("\n")}\n`, { mode: 0o600 });
  }
}
