// CIDR lists from a URL (e.g. GitHub's meta API) or a file. A JSON document
// is read at the configured top-level keys; anything else as one CIDR per
// line (# comments allowed). Every entry is validated; one bad entry fails
// the source, so a corrupted download can't widen the firewall.
import { readFile } from "node:fs/promises";
import { request } from "undici";
import type { CidrSource } from "./allowlist-schema.js";
import { parseCidr } from "./net-address.js";
import { sleep } from "../common/sleep.js";

export function parseCidrDocument(text: string, keys: string[] | undefined, origin: string): string[] {
  let raw: string[];
  const trimmed = text.trim();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    const doc = JSON.parse(trimmed) as unknown;
    if (Array.isArray(doc)) raw = doc.map(String);
    else {
      const obj = doc as Record<string, unknown>;
      const use = keys ?? Object.keys(obj);
      raw = use.flatMap((k) => {
        const v = obj[k];
        if (!Array.isArray(v)) throw new Error(`${origin}: key "${k}" is not a list of CIDRs`);
        return v.map(String);
      });
    }
  } else {
    raw = trimmed
      .split("\n")
      .map((l) => l.replace(/#.*/, "").trim())
      .filter(Boolean);
  }
  return [
    ...new Set(
      raw.map((c) => {
        try {
          return parseCidr(c).text;
        } catch (e) {
          throw new Error(`${origin}: ${(e as Error).message}`);
        }
      }),
    ),
  ];
}

export async function loadCidrSource(src: CidrSource): Promise<string[]> {
  if (src.file) return parseCidrDocument(await readFile(src.file, "utf8"), src.keys, src.file);
  const url = src.url as string;
  let last: Error = new Error("no attempt");
  for (let attempt = 0; attempt <= src.retries; attempt++) {
    if (attempt) await sleep(250 * 2 ** (attempt - 1));
    try {
      const res = await request(url, {
        headersTimeout: src.timeout_ms,
        bodyTimeout: src.timeout_ms,
        signal: AbortSignal.timeout(src.timeout_ms),
      });
      const body = await res.body.text();
      if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}`);
      return parseCidrDocument(body, src.keys, url);
    } catch (e) {
      last = e as Error;
    }
  }
  throw new Error(`${src.name}: could not load ${url} after ${src.retries + 1} attempts: ${last.message}`);
}
