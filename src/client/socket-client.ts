// DaemonClient over the daemon's Unix socket: JSON calls, and the SSE event stream with automatic
// reconnection. A daemon of this client's own version is trusted: its answers are used as they
// come (the daemon's tests check what it sends against the protocol's schemas); answers of a
// daemon of another version are validated with the route schemas, loaded only then. One-shot
// commands (`postdeck status`) thus load no protocol schema. Events are validated (see
// validateEvents); their schemas are loaded when subscribing.
import http from "node:http";
import net from "node:net";
import type { z } from "zod";
import type { ErrorBody, EventType, RouteKey, RouteRequest, RouteResponse } from "../protocol/api.js";
import { EVENT_SAMPLE_MS_PARAM, EVENT_TYPES_PARAM, ROUTES, VERSION_HEADER } from "../protocol/routes.js";
import { version } from "../version.js";
import { describeSocket } from "../config/runtime-paths.js";
import { lockHolder } from "../config/lock-holder.js";
import { DaemonCallError, DaemonNotRunningError, DaemonUnreachableError } from "./errors.js";
import { SseParser } from "./sse-parser.js";
import type { ConnectionState, DaemonClient, DaemonEvent, SubscribeOptions } from "./types.js";
import type { Transport } from "./ssh-transport.js";

export interface SocketClientOptions {
  timeoutMs?: number;
  /** Validate events with their zod schema (default true). */
  validateEvents?: boolean;
  reconnectMs?: { min: number; max: number };
  /**
   * The daemon's state dir: when nothing answers but a live daemon holds its lock, a call waits up
   * to `unreachableWaitMs` (default 5 s: a starting daemon, a socket being re-created) and then
   * fails with DaemonUnreachableError instead of "no daemon running".
   */
  stateDir?: string;
  unreachableWaitMs?: number;
  /** Reach the daemon through this instead of the socket (`postdeck --rig`: ssh, a read-only bridge; src/client/ssh-transport.ts). */
  transport?: Transport;
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
    const t = this.o.transport;
    return { createConnection: t ? () => t.connect() : () => net.createConnection(this.socket) };
  }

  /** Why nothing answers on the socket: no daemon, or one that holds the lock (then its pid). */
  private notAnswering(): DaemonNotRunningError | DaemonUnreachableError {
    const pid = this.o.stateDir ? lockHolder(this.o.stateDir) : null;
    return pid === null ? new DaemonNotRunningError(describeSocket(this.socket)) : new DaemonUnreachableError(pid, describeSocket(this.socket), this.o.stateDir!);
  }

  async call<K extends RouteKey>(route: K, body: RouteRequest<K>): Promise<RouteResponse<K>> {
    const deadline = Date.now() + (this.o.unreachableWaitMs ?? 5000);
    for (;;) {
      try {
        return await this.callOnce(route, body);
      } catch (err) {
        if (!(err instanceof DaemonUnreachableError) || Date.now() >= deadline || this.closed) throw err;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  private callOnce<K extends RouteKey>(route: K, body: RouteRequest<K>): Promise<RouteResponse<K>> {
    const r = ROUTES[route];
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
            const trusted = res.headers[VERSION_HEADER] === version;
            answer(route, res.statusCode ?? 0, json, trusted).then(resolve, reject);
          });
        },
      );
      this.agents.add(req);
      req.on("timeout", () => req.destroy(new Error(`the daemon did not answer ${r.path} within ${(this.o.timeoutMs ?? 30_000) / 1000} s`)));
      req.on("error", (err: NodeJS.ErrnoException) => {
        this.agents.delete(req);
        if (err.code === "ENOENT" || err.code === "ECONNREFUSED") reject(this.notAnswering());
        else reject(err);
      });
      req.end(payload);
    });
  }

  subscribe(onEvent: (e: DaemonEvent) => void, onState?: (s: ConnectionState) => void, so: SubscribeOptions = {}): () => void {
    let eventSchemas: (typeof import("../protocol/api.js"))["EventSchemas"] | null = null;
    let stopped = false;
    let req: http.ClientRequest | null = null;
    let timer: NodeJS.Timeout | null = null;
    let delay = this.o.reconnectMs?.min ?? 500;
    const max = this.o.reconnectMs?.max ?? 5000;
    const validate = this.o.validateEvents !== false;
    // a daemon of another version may not filter: the types not asked for are dropped here too
    const wanted = so.types ? new Set<string>([...so.types, "snapshot", "bye"]) : null;
    const query = [so.types ? `${EVENT_TYPES_PARAM}=${so.types.join(",")}` : "", so.sampleMs ? `${EVENT_SAMPLE_MS_PARAM}=${so.sampleMs}` : ""].filter((q) => q !== "");
    const path = query.length > 0 ? `/v1/events?${query.join("&")}` : "/v1/events";

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
      req = http.request({ ...this.connection(), path, method: "GET", headers: { accept: "text/event-stream" } }, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          return retry(`event stream answered HTTP ${res.statusCode}`);
        }
        res.setEncoding("utf8");
        let sawBye = false;
        res.on("data", (chunk: string) => {
          for (const m of parser.feed(chunk)) {
            if (!eventSchemas || !(m.event in eventSchemas) || (wanted && !wanted.has(m.event))) continue;
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
              const p = (eventSchemas[type] as z.ZodType).safeParse(data);
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
        retry(err.code === "ENOENT" || err.code === "ECONNREFUSED" ? this.notAnswering().message : err.message),
      );
      req.end();
    };
    void import("../protocol/api.js").then((api) => {
      eventSchemas = api.EventSchemas;
      connect();
    });
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

/**
 * The value of an answer: a trusted one as it is; another version's validated with the route's
 * schema (an error body with ErrorBodySchema). Rejects with DaemonCallError for errors and
 * answers that do not match.
 */
async function answer<K extends RouteKey>(route: K, status: number, json: unknown, trusted: boolean): Promise<RouteResponse<K>> {
  const path = ROUTES[route].path;
  if (status !== 200) {
    const e = trusted ? { success: true as const, data: json as ErrorBody } : (await import("../protocol/api.js")).ErrorBodySchema.safeParse(json);
    throw new DaemonCallError(e.success ? e.data.error.message : `daemon error HTTP ${status} on ${path}`, e.success ? e.data.error.code : "failed", status);
  }
  // the daemon's tests check what it sends against the route's schema: its own version is taken at its word
  if (trusted) return json as RouteResponse<K>;
  const { routes } = await import("../protocol/api.js");
  const responses: { [R in RouteKey]: { response: z.ZodType<RouteResponse<R>, unknown> } } = routes;
  // jitless: zod's compiled fast path pays off only for a schema parsed many times
  const parsed = responses[route].response.safeParse(json, { jitless: true });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new DaemonCallError(`the daemon's answer to ${path} does not match this client's protocol (daemon of another version?): ${issue?.path.join(".")}: ${issue?.message}`, "invalid", 200);
  }
  return parsed.data;
}
