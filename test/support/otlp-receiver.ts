// Real OTLP receivers on loopback for the telemetry tests: HTTP (protobuf and
// JSON bodies) and gRPC, each decoding requests with the OTel project's own
// protobuf definitions (@opentelemetry/otlp-transformer's generated root), and
// keeping every raw byte received so a test can prove a secret never left.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createRequire } from "node:module";
import * as grpc from "@grpc/grpc-js";

interface Message {
  toJSON(): Record<string, unknown>;
}
interface MessageType {
  decode(b: Uint8Array): Message;
  fromObject(o: unknown): Message;
  encode(m: unknown): { finish(): Uint8Array };
  create(o?: unknown): unknown;
}
const root = createRequire(import.meta.url)("@opentelemetry/otlp-transformer/build/src/generated/root.js") as {
  opentelemetry: { proto: { collector: Record<"logs" | "metrics", { v1: Record<string, MessageType> }> } };
};
const collector = root.opentelemetry.proto.collector;
const LogsRequest = collector.logs.v1.ExportLogsServiceRequest as MessageType;
const LogsResponse = collector.logs.v1.ExportLogsServiceResponse as MessageType;
const MetricsRequest = collector.metrics.v1.ExportMetricsServiceRequest as MessageType;
const MetricsResponse = collector.metrics.v1.ExportMetricsServiceResponse as MessageType;

/** A log record as a test reads it: event name, attributes, and the resource's attributes. */
export interface ReceivedLog {
  name: string;
  attributes: Record<string, unknown>;
  resource: Record<string, unknown>;
}
/** A metric data point: instrument, value (counter sum or histogram count/sum) and attributes. */
export interface ReceivedPoint {
  name: string;
  value: number;
  count?: number;
  attributes: Record<string, unknown>;
}

export interface Receiver {
  /** http://127.0.0.1:PORT (HTTP) or http://127.0.0.1:PORT (gRPC). */
  url: string;
  logs: ReceivedLog[];
  points: ReceivedPoint[];
  /** Every request body, raw, as received. */
  raw: Buffer[];
  /** Content types of the HTTP requests. */
  contentTypes: string[];
  close(): Promise<void>;
}

type KV = { key: string; value: Record<string, unknown> };
const anyValue = (v: Record<string, unknown>): unknown =>
  v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : undefined) ?? v.doubleValue ?? v.boolValue;
const attrs = (list: KV[] | undefined) => Object.fromEntries((list ?? []).map((a) => [a.key, anyValue(a.value)]));

function collectLogs(req: Record<string, unknown>, into: ReceivedLog[]): void {
  for (const rl of (req.resourceLogs ?? []) as Record<string, unknown>[]) {
    const resource = attrs(((rl.resource ?? {}) as { attributes?: KV[] }).attributes);
    for (const sl of (rl.scopeLogs ?? []) as Record<string, unknown>[])
      for (const r of (sl.logRecords ?? []) as Record<string, unknown>[]) {
        const a = attrs(r.attributes as KV[]);
        into.push({ name: String(r.eventName ?? a["event.name"] ?? ""), attributes: a, resource });
      }
  }
}

function collectMetrics(req: Record<string, unknown>, into: ReceivedPoint[]): void {
  for (const rm of (req.resourceMetrics ?? []) as Record<string, unknown>[])
    for (const sm of (rm.scopeMetrics ?? []) as Record<string, unknown>[])
      for (const m of (sm.metrics ?? []) as Record<string, unknown>[]) {
        const name = String(m.name);
        const sum = m.sum as { dataPoints?: Record<string, unknown>[] } | undefined;
        const hist = m.histogram as { dataPoints?: Record<string, unknown>[] } | undefined;
        for (const p of sum?.dataPoints ?? [])
          into.push({ name, value: Number(p.asInt ?? p.asDouble ?? 0), attributes: attrs(p.attributes as KV[]) });
        for (const p of hist?.dataPoints ?? [])
          into.push({
            name,
            value: Number(p.sum ?? 0),
            count: Number(p.count ?? 0),
            attributes: attrs(p.attributes as KV[]),
          });
      }
}

/** OTLP/HTTP on loopback. `hang`: accept and never answer (a slow collector). */
export async function startHttpReceiver(o: { hang?: boolean } = {}): Promise<Receiver> {
  const r: Receiver = { url: "", logs: [], points: [], raw: [], contentTypes: [], close: async () => undefined };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      r.raw.push(body);
      const type = String(req.headers["content-type"] ?? "");
      r.contentTypes.push(type);
      if (o.hang) return;
      const json = type.includes("json");
      const isLogs = req.url === "/v1/logs";
      const T = isLogs ? LogsRequest : MetricsRequest;
      const msg = json ? T.fromObject(JSON.parse(body.toString("utf8"))) : T.decode(body);
      const obj = msg.toJSON();
      if (isLogs) collectLogs(obj, r.logs);
      else collectMetrics(obj, r.points);
      res.writeHead(200, { "content-type": json ? "application/json" : "application/x-protobuf" });
      res.end(json ? "{}" : Buffer.from((isLogs ? LogsResponse : MetricsResponse).encode({}).finish()));
    });
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  r.close = () =>
    new Promise((ok) => {
      server.closeAllConnections();
      server.close(() => ok());
    });
  return r;
}

/** OTLP/gRPC on loopback: the logs and metrics Export services. */
export async function startGrpcReceiver(): Promise<Receiver & { metadata: Record<string, unknown>[] }> {
  const r = {
    url: "",
    logs: [] as ReceivedLog[],
    points: [] as ReceivedPoint[],
    raw: [] as Buffer[],
    contentTypes: [] as string[],
    metadata: [] as Record<string, unknown>[],
    close: async () => undefined,
  };
  const server = new grpc.Server();
  const service = (
    path: string,
    Req: MessageType,
    Res: MessageType,
    collect: (o: Record<string, unknown>) => void,
  ) => ({
    Export: {
      path,
      requestStream: false,
      responseStream: false,
      requestDeserialize: (b: Buffer) => {
        r.raw.push(b);
        return Req.decode(b).toJSON();
      },
      requestSerialize: (m: unknown) => Buffer.from(Req.encode(m).finish()),
      responseSerialize: (m: unknown) => Buffer.from(Res.encode(m).finish()),
      responseDeserialize: (b: Buffer) => Res.decode(b),
      handler: (call: grpc.ServerUnaryCall<Record<string, unknown>, unknown>, cb: grpc.sendUnaryData<unknown>) => {
        r.metadata.push(call.metadata.getMap());
        collect(call.request);
        cb(null, Res.create({}));
      },
    },
  });
  const logs = service("/opentelemetry.proto.collector.logs.v1.LogsService/Export", LogsRequest, LogsResponse, (o) =>
    collectLogs(o, r.logs),
  );
  const metrics = service(
    "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
    MetricsRequest,
    MetricsResponse,
    (o) => collectMetrics(o, r.points),
  );
  const def = (s: typeof logs) =>
    ({ Export: { ...s.Export, handler: undefined } }) as unknown as grpc.ServiceDefinition;
  server.addService(def(logs), { Export: logs.Export.handler } as unknown as grpc.UntypedServiceImplementation);
  server.addService(def(metrics), { Export: metrics.Export.handler } as unknown as grpc.UntypedServiceImplementation);
  const port = await new Promise<number>((ok, fail) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? fail(e) : ok(p))),
  );
  r.url = `http://127.0.0.1:${port}`;
  r.close = () => new Promise((ok) => server.tryShutdown(() => ok(undefined)));
  return r;
}
