// The MCP stdio transport over a process cordon started itself (inside bwrap,
// with the sandbox's extra fds), which the SDK's own StdioClientTransport
// cannot do: it spawns the server itself. Framing is the SDK's (ReadBuffer,
// serializeMessage): newline-delimited JSON-RPC.
import type { ChildProcess } from "node:child_process";
import { ReadBuffer, serializeMessage } from "@modelcontextprotocol/sdk/shared/stdio.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";

export class ChildProcessTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  private readonly buffer = new ReadBuffer();
  private closed = false;

  constructor(private readonly child: ChildProcess) {}

  start(): Promise<void> {
    const { child } = this;
    child.stdout?.on("data", (chunk: Buffer) => {
      this.buffer.append(chunk);
      for (;;) {
        let msg: JSONRPCMessage | null;
        try {
          msg = this.buffer.readMessage();
        } catch (e) {
          this.onerror?.(e as Error); // a line that is not JSON-RPC: reported, and the stream goes on
          continue;
        }
        if (!msg) break;
        this.onmessage?.(msg);
      }
    });
    child.stdin?.on("error", (e) => this.onerror?.(e));
    child.on("error", (e) => this.onerror?.(e));
    child.once("close", () => this.finish());
    return Promise.resolve();
  }

  send(message: JSONRPCMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      const stdin = this.child.stdin;
      if (this.closed || !stdin || stdin.destroyed) return reject(new Error("the MCP server has exited"));
      stdin.write(serializeMessage(message), (e) => (e ? reject(e) : resolve()));
    });
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    const { child } = this;
    return new Promise((resolve) => {
      child.once("close", () => resolve());
      child.stdin?.end();
      // Ask politely, then not: a server that ignores the end of its input still goes.
      const term = setTimeout(() => child.kill("SIGTERM"), 500);
      const kill = setTimeout(() => child.kill("SIGKILL"), 2000);
      child.once("close", () => {
        clearTimeout(term);
        clearTimeout(kill);
      });
      if (child.exitCode !== null || child.signalCode !== null) resolve();
    });
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.buffer.clear();
    this.onclose?.();
  }
}
