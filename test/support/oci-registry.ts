// A minimal OCI distribution registry on localhost, in memory, for publishing
// and fetching Dev Container Features and Templates with the real Dev
// Containers CLI (which speaks plain HTTP to `localhost:PORT`). No registry
// image can be pulled here and no registry package fits a test, so it is
// written by hand: the endpoints the CLI uses (blob existence, monolithic and
// chunked uploads, manifests by tag and digest, tag lists).
import { createHash, randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface OciRegistry {
  /** `localhost:PORT`, the registry part of a Feature or Template reference. */
  host: string;
  /** Every request, as "METHOD path", for assertions. */
  log: string[];
  close(): Promise<void>;
}

const sha256 = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

export async function startOciRegistry(): Promise<OciRegistry> {
  const blobs = new Map<string, Buffer>();
  const uploads = new Map<string, Buffer[]>();
  const manifests = new Map<string, { body: Buffer; type: string; digest: string }>();
  const tags = new Map<string, Set<string>>();
  const log: string[] = [];
  let origin = "";

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", origin);
      const body = Buffer.concat(chunks);
      const method = req.method ?? "GET";
      log.push(`${method} ${url.pathname}`);
      const send = (status: number, headers: Record<string, string> = {}, data?: Buffer | string) => {
        res.writeHead(status, { "content-length": String(data ? Buffer.byteLength(data) : 0), ...headers });
        res.end(method === "HEAD" ? undefined : data);
      };
      let m: RegExpMatchArray | null;
      if (url.pathname === "/v2/" || url.pathname === "/v2")
        return send(200, { "content-type": "application/json" }, "{}");
      if ((m = url.pathname.match(/^\/v2\/(.+)\/blobs\/(sha256:[a-f0-9]{64})$/))) {
        const blob = blobs.get(m[2]!);
        if (!blob) return send(404, {}, "");
        res.writeHead(200, { "content-length": String(blob.length), "docker-content-digest": m[2]! });
        return res.end(method === "HEAD" ? undefined : blob);
      }
      if ((m = url.pathname.match(/^\/v2\/(.+)\/blobs\/uploads\/?$/)) && method === "POST") {
        const digest = url.searchParams.get("digest");
        if (digest && body.length) {
          if (sha256(body) !== digest) return send(400, {}, "digest mismatch");
          blobs.set(digest, body);
          return send(201, { location: `${origin}/v2/${m[1]}/blobs/${digest}`, "docker-content-digest": digest });
        }
        const id = randomUUID();
        uploads.set(id, [body]);
        return send(202, { location: `${origin}/v2/${m[1]}/blobs/uploads/${id}`, range: "0-0" });
      }
      if ((m = url.pathname.match(/^\/v2\/(.+)\/blobs\/uploads\/([\w-]+)$/))) {
        const parts = uploads.get(m[2]!);
        if (!parts) return send(404, {}, "");
        parts.push(body);
        if (method === "PATCH") return send(202, { location: `${origin}${url.pathname}` });
        const digest = url.searchParams.get("digest") ?? "";
        const blob = Buffer.concat(parts);
        if (sha256(blob) !== digest) return send(400, {}, "digest mismatch");
        uploads.delete(m[2]!);
        blobs.set(digest, blob);
        return send(201, { location: `${origin}/v2/${m[1]}/blobs/${digest}`, "docker-content-digest": digest });
      }
      if ((m = url.pathname.match(/^\/v2\/(.+)\/manifests\/([^/]+)$/))) {
        const [name, ref] = [m[1]!, m[2]!];
        if (method === "PUT") {
          const digest = sha256(body);
          const entry = {
            body,
            type: req.headers["content-type"] ?? "application/vnd.oci.image.manifest.v1+json",
            digest,
          };
          manifests.set(`${name}@${digest}`, entry);
          manifests.set(`${name}:${ref}`, entry);
          if (!ref.startsWith("sha256:")) tags.set(name, (tags.get(name) ?? new Set()).add(ref));
          return send(201, { location: `${origin}/v2/${name}/manifests/${digest}`, "docker-content-digest": digest });
        }
        const entry = manifests.get(ref.startsWith("sha256:") ? `${name}@${ref}` : `${name}:${ref}`);
        if (!entry)
          return send(404, { "content-type": "application/json" }, '{"errors":[{"code":"MANIFEST_UNKNOWN"}]}');
        return send(200, { "content-type": entry.type, "docker-content-digest": entry.digest }, entry.body);
      }
      if ((m = url.pathname.match(/^\/v2\/(.+)\/tags\/list$/))) {
        const t = tags.get(m[1]!);
        if (!t) return send(404, { "content-type": "application/json" }, '{"errors":[{"code":"NAME_UNKNOWN"}]}');
        return send(200, { "content-type": "application/json" }, JSON.stringify({ name: m[1], tags: [...t] }));
      }
      send(404, {}, "");
    });
  });
  // The CLI resolves `localhost`, which may be ::1 or 127.0.0.1 first: listen on both.
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ port: 0, host: "::", ipv6Only: false }, resolve);
  }).catch(() => new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve)));
  const { port } = server.address() as AddressInfo;
  origin = `http://localhost:${port}`;
  return {
    host: `localhost:${port}`,
    log,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
