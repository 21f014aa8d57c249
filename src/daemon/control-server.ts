// The control API over a Unix socket: the routes of src/protocol/api.ts (requests validated with
// their zod schema, errors as ErrorBody with a message for people, never a stack trace) and the
// SSE stream on GET /v1/events (snapshot first, then changes, heartbeats, `bye` on shutdown).
// Every answer names the daemon's version (VERSION_HEADER): clients of the same version trust it.
import http from "node:http";
import type { z } from "zod";
import { routes, type ErrorBody, type RouteKey, type RouteRequestParsed, type RouteResponse } from "../protocol/api.js";
import { EVENT_SAMPLE_MS_PARAM, EVENT_TYPES_PARAM, VERSION_HEADER } from "../protocol/routes.js";
import { version } from "../version.js";
import type { Rig, RigEvent } from "../core/rig.js";
import { keepSocket } from "./socket-keeper.js";

export const EVENTS_PATH = "/v1/events";
const HEARTBEAT_MS = 15_000;
const MAX_BUFFERED_BYTES = 8 << 20;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Answers route K: gets the request as its schema parsed it, returns what the route's response schema says. */
export type Handler<K extends RouteKey> = (body: RouteRequestParsed<K>) => Promise<RouteResponse<K>>;
type Handlers<R extends RouteKey> = { [K in R]: Handler<K> };

/** Routes the Rig does not answer itself: the daemon's lifecycle, config reload, identity operations. */
export type ExtraRoute =
  | "daemonStop"
  | "reload"
  | "identityAdd"
  | "identityAddCheck"
  | "taskCancel"
  | "identityImport"
  | "identityRollback"
  | "identityRetire"
  | "identityRename"
  | "identityPermissions"
  | "providers"
  | "identityTimeline"
  | "plan"
  | "planRelease"
  | "alertsTest";
export type ControlHandlers = Handlers<ExtraRoute>;

/** The routes seen per key, so that a generic key K gives the schema of exactly K's request. */
const requestSchemas: { [K in RouteKey]: { request: z.ZodType<RouteRequestParsed<K>, unknown> } } = routes;

/** log: where an internal error (a 500) is said, with its stack (default: stderr, the daemon log). */
export function createControlServer(rig: Rig, h: ControlHandlers, o: { log?: (line: string) => void } = {}): { server: http.Server; bye: (reason: string) => void } {
  const log = o.log ?? ((line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`));
  const handlers: Handlers<RouteKey> = {
    snapshot: async () => rig.freshSnapshot(),
    start: async (b) => rig.act("start", b),
    stop: async (b) => rig.act("stop", b),
    restart: async (b) => rig.act("restart", b),
    logs: async ({ source, lines }) => {
      if (!rig.logs.has(source)) {
        throw new HttpError(404, "not-found", `no log source '${source}' (known: ${rig.logs.sourceNames().join(", ") || "none"})`);
      }
      return { lines: await rig.logs.recent(source, lines) };
    },
    doctor: async () => ({ findings: rig.findings() }),
    ...h,
  };
  const byPath = new Map<string, RouteKey>();
  for (const [k, r] of Object.entries(routes)) byPath.set(`${r.method} ${r.path}`, k as RouteKey);

  const streams = new Set<http.ServerResponse>();

  const server = http.createServer((req, res) => {
    void handle(req, res).catch((err) => {
      if (!(err instanceof HttpError)) log(`error: ${req.method} ${req.url}: ${(err as Error)?.stack ?? String(err)}`);
      sendError(res, err);
    });
  });
  // a removed socket file is bound again while the daemon runs (socket-keeper.ts)
  let stopKeeper = (): void => undefined;
  server.once("listening", () => (stopKeeper = keepSocket(server)));

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://daemon");
    if (req.method === "GET" && url.pathname === EVENTS_PATH) return openStream(req, res, eventTypesFilter(url), eventSampleMs(url));
    const key = byPath.get(`${req.method} ${url.pathname}`);
    if (!key) throw new HttpError(404, "not-found", `no route ${req.method} ${url.pathname}`);
    const text = await readBody(req);
    let json: unknown = {};
    if (text.trim() !== "") {
      try {
        json = JSON.parse(text);
      } catch {
        throw new HttpError(400, "bad-request", `request body of ${url.pathname} is not valid JSON`);
      }
    }
    const out = await dispatch(key, json, url.pathname);
    const body = JSON.stringify(out);
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body), [VERSION_HEADER]: version });
    res.end(body);
  }

  /** Parses `json` with route K's request schema and runs K's handler on it. */
  async function dispatch<K extends RouteKey>(key: K, json: unknown, pathname: string): Promise<RouteResponse<K>> {
    const schema = requestSchemas[key].request;
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const what = parsed.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ");
      throw new HttpError(400, "bad-request", `bad request to ${pathname}: ${what}`);
    }
    const handler: Handler<K> = handlers[key];
    return handler(parsed.data);
  }

  /**
   * What can throw (the snapshot, the rig's watch) runs before the 200 is sent: a throw answers
   * 500 (handle's catch) instead of leaving the client with an open stream that never says more.
   */
  function openStream(req: http.IncomingMessage, res: http.ServerResponse, types: ReadonlySet<string> | null, sampleMs: number | undefined): void {
    const first = `event: snapshot\ndata: ${JSON.stringify(rig.snapshot())}\n\n`;
    // log lines are made and sent, CPU/RSS and hardware sampled fast, only while a client watches them
    const unwatch = rig.watch(types, { sampleMs });
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive", [VERSION_HEADER]: version });
    const write = (e: RigEvent) => {
      // a client that stopped reading (suspended console) is dropped rather than buffered without bound;
      // it reconnects and gets a fresh snapshot
      if (res.writableLength > MAX_BUFFERED_BYTES) {
        res.destroy();
        return;
      }
      res.write(`event: ${e.type}\ndata: ${JSON.stringify(e.data)}\n\n`);
    };
    res.write(first);
    const onEvent = (e: RigEvent) => {
      if (types === null || types.has(e.type)) write(e);
    };
    rig.on("event", onEvent);
    const hb = setInterval(() => res.write(`: heartbeat ${Date.now()}\n\n`), HEARTBEAT_MS);
    hb.unref();
    streams.add(res);
    const done = () => {
      clearInterval(hb);
      rig.off("event", onEvent);
      unwatch();
      streams.delete(res);
    };
    req.on("close", done);
    res.on("error", done);
    res.on("close", done);
  }

  function bye(reason: string): void {
    stopKeeper();
    for (const res of streams) {
      res.write(`event: bye\ndata: ${JSON.stringify({ reason })}\n\n`);
      res.end();
    }
    streams.clear();
  }

  return { server, bye };
}

/**
 * `GET /v1/events?types=snapshot,node,…`: only those event types after the first snapshot (the
 * Fleet view asks for what its summary needs and spares both ends the log and hardware traffic).
 * The first snapshot, heartbeats and `bye` always come; names this daemon does not know are
 * ignored (a newer client may ask for a type it does not have). No `types`: every event.
 */
export function eventTypesFilter(url: URL): ReadonlySet<string> | null {
  const raw = url.searchParams.get(EVENT_TYPES_PARAM);
  if (raw === null) return null;
  return new Set(raw.split(",").map((t) => t.trim()).filter((t) => t !== ""));
}

/** `GET /v1/events?sampleMs=N`: the pace (ms, at most a minute) at which the client takes samples; none: the fast one. */
export function eventSampleMs(url: URL): number | undefined {
  const ms = Number(url.searchParams.get(EVENT_SAMPLE_MS_PARAM) ?? NaN);
  return Number.isFinite(ms) && ms > 0 ? Math.min(ms, 60_000) : undefined;
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > 1 << 20) {
        reject(new HttpError(413, "bad-request", "request body larger than 1 MiB"));
        req.destroy();
      } else chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function sendError(res: http.ServerResponse, err: unknown): void {
  const e = err instanceof HttpError ? err : new HttpError(500, "failed", `internal error: ${(err as Error)?.message ?? String(err)}`);
  const body: ErrorBody = { error: { code: e.code, message: e.message } };
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(e.status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), [VERSION_HEADER]: version });
  res.end(text);
}
