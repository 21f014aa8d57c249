// DaemonClient over the daemon's Unix socket: JSON calls validated with the route schemas, and
// the SSE event stream with automatic reconnection.
import http from "node:http";
import net from "node:net";
import type { z } from "zod";
import { EventSchemas, ErrorBodySchema, routes, type EventType, type RouteKey, type RouteRequest, type RouteResponse } from "../protocol/api.js";
import { DaemonCallError, DaemonNotRunningError } from "./errors.js";
import { SseParser } from "./sse-parser.js";
import type { ConnectionState, DaemonClient, DaemonEvent } from "./types.js";

export interface SocketClientOptions {
  timeoutMs?: number;
  /** Validate events with their zod schema (default true). */
  validateEvents?: boolean;
  reconnectMs?: { min: number; max: number };
}

export class SocketClient implements DaemonClient {
  private readonly agents = new Set<http.ClientRequest>();
  private closed = false;

  constructor(
    readonly socket: string,
    private readonly o: SocketClientOptions = {},
  ) {}

  /**
   * A fresh connection per request, without an http.Agent (nothing to pool: one request per
   * connection), which also spares a one-shot command the agent's host-name checks (~8 ms).
   */
  private connection(): Pick<http.RequestOptions, "createConnection"> {
    return { createConnection: () => net.createConnection(this.socket) };
  }

  call<K extends RouteKey>(route: K, body: RouteRequest<K>): Promise<RouteResponse<K>> {
    const r = routes[route];
    const payload = r.method === "GET" ? "" : JSON.stringify(body ?? {});
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          ...this.connection(),
          path: r.path,
          method: r.method,
          headers: payload ? { "content-type": "application/json", "content-length": Buffer.byteLength(payload) } : {},
          timeout: this.o.timeoutMs ?? 30_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            this.agents.delete(req);
            let json: unknown;
            try {
              json = JSON.parse(Buffer.concat(chunks).toString("utf8"));
            } catch {
              return reject(new DaemonCallError(`the daemon sent an invalid answer to ${r.path} (HTTP ${res.statusCode})`, "invalid", res.statusCode ?? 0));
            }
            if (res.statusCode !== 200) {
              const e = ErrorBodySchema.safeParse(json);
              return reject(
                new DaemonCallError(e.success ? e.data.error.message : `daemon error HTTP ${res.statusCode} on ${r.path}`, e.success ? e.data.error.code : "failed", res.statusCode ?? 0),
              );
            }
            // jitless: zod's compiled fast path pays off only for a schema parsed many times; one
            // response of a kind per call is parsed faster without it (15 ms less for a snapshot)
            const parsed = (r.response as z.ZodType).safeParse(json, { jitless: true });
            if (!parsed.success) {
              return reject(new DaemonCallError(`the daemon's answer to ${r.path} does not match this client's protocol (daemon of another version?): ${parsed.error.issues[0]?.path.join(".")}: ${parsed.error.issues[0]?.message}`, "invalid", 200));
            }
            resolve(parsed.data as RouteResponse<K>);
          });
        },
      );
      this.agents.add(req);
      req.on("timeout", () => req.destroy(new Error(`the daemon did not answer ${r.path} within ${(this.o.timeoutMs ?? 30_000) / 1000} s`)));
      req.on("error", (err: NodeJS.ErrnoException) => {
        this.agents.delete(req);
        if (err.code === "ENOENT" || err.code === "ECONNREFUSED") reject(new DaemonNotRunningError(this.socket));
        else reject(err);
      });
      req.end(payload);
    });
  }

  subscribe(onEvent: (e: DaemonEvent) => void, onState?: (s: ConnectionState) => void): () => void {
    let stopped = false;
    let req: http.ClientRequest | null = null;
    let timer: NodeJS.Timeout | null = null;
    let delay = this.o.reconnectMs?.min ?? 500;
    const max = this.o.reconnectMs?.max ?? 5000;
    const validate = this.o.validateEvents !== false;

    const retry = (error: string) => {
      if (stopped || this.closed) return;
      const retryAt = Date.now() + delay;
      onState?.({ kind: "disconnected", error, retryAt });
      timer = setTimeout(connect, delay);
      delay = Math.min(max, Math.round(delay * 1.5));
    };

    const connect = () => {
      if (stopped || this.closed) return;
      onState?.({ kind: "connecting" });
      const parser = new SseParser();
      req = http.request({ ...this.connection(), path: "/v1/events", method: "GET", headers: { accept: "text/event-stream" } }, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          return retry(`event stream answered HTTP ${res.statusCode}`);
        }
        res.setEncoding("utf8");
        let sawBye = false;
        res.on("data", (chunk: string) => {
          for (const m of parser.feed(chunk)) {
            if (!(m.event in EventSchemas)) continue;
            const type = m.event as EventType;
            let data: unknown;
            try {
              data = JSON.parse(m.data);
            } catch {
              continue;
            }
            // log batches (up to thousands of lines a second) get a cheap shape check; every
            // other event is validated with its schema
            if (type === "log") {
              if (!Array.isArray(data)) continue;
            } else if (validate) {
              const p = (EventSchemas[type] as z.ZodType).safeParse(data);
              if (!p.success) continue;
              data = p.data;
            }
            if (type === "snapshot") {
              delay = this.o.reconnectMs?.min ?? 500;
              onState?.({ kind: "connected" });
            }
            if (type === "bye") sawBye = true;
            onEvent({ type, data } as DaemonEvent);
          }
        });
        res.on("end", () => retry(sawBye ? "the daemon stopped" : "the daemon closed the event stream"));
        res.on("error", (e) => retry(e.message));
      });
      req.on("error", (err: NodeJS.ErrnoException) =>
        retry(err.code === "ENOENT" || err.code === "ECONNREFUSED" ? new DaemonNotRunningError(this.socket).message : err.message),
      );
      req.end();
    };
    connect();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      req?.destroy();
    };
  }

  close(): void {
    this.closed = true;
    for (const r of this.agents) r.destroy();
    this.agents.clear();
  }
}
