// `postdeck bridge`: HTTP over this process's stdin/stdout, passed on to the daemon's Unix socket —
// the far end of `ssh HOST postdeck bridge` (src/client/ssh-transport.ts). It parses every request
// (a plain byte pipe could not judge a second request on the same stream), so with `readOnly` it
// refuses every mutating route itself, for this connection only, before the daemon sees it.
import http from "node:http";
import net from "node:net";
import os from "node:os";
import { Duplex, type Readable, type Writable } from "node:stream";
import { VERSION_HEADER } from "../protocol/routes.js";
import type { ErrorBody } from "../protocol/api.js";
import { version } from "../version.js";
import { readOnlyRefusal } from "./read-only.js";

export interface BridgeOptions {
  socket: string; // the daemon's socket (socketPath(stateDir))
  socketLabel: string; // for messages (describeSocket)
  readOnly: boolean;
  input: Readable;
  output: Writable;
}

/** Headers of one hop (the bridge's stream, or its connection to the daemon), not passed on. */
const HOP = new Set(["connection", "keep-alive", "transfer-encoding", "upgrade", "proxy-connection", "te", "trailer"]);
function endToEnd(h: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  return Object.fromEntries(Object.entries(h).filter(([k]) => !HOP.has(k)));
}

function sendError(res: http.ServerResponse, status: number, code: string, message: string): void {
  const body: ErrorBody = { error: { code, message } };
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), [VERSION_HEADER]: version });
  res.end(text);
}

/** Serves the stream until the client closes it (what it asked before is answered first). */
export function runBridge(o: BridgeOptions): Promise<void> {
  const upstream = new Set<http.ClientRequest>();
  const server = http.createServer((req, res) => {
    const refused = o.readOnly ? readOnlyRefusal(req.method, req.url) : null;
    if (refused) {
      req.resume();
      return sendError(res, 403, "read-only", refused);
    }
    const up = http.request(
      { createConnection: () => net.createConnection(o.socket), method: req.method, path: req.url, headers: endToEnd(req.headers) },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, endToEnd(answer.headers));
        answer.pipe(res);
      },
    );
    upstream.add(up);
    up.on("close", () => upstream.delete(up));
    up.on("error", (err: NodeJS.ErrnoException) => {
      if (res.headersSent) return res.destroy();
      if (err.code === "ENOENT" || err.code === "ECONNREFUSED")
        return sendError(res, 503, "no-daemon", `no postdeck daemon runs on ${os.hostname()} (no answer on ${o.socketLabel}); start it there with \`postdeck daemon start\``);
      sendError(res, 502, "failed", `the bridge on ${os.hostname()} could not reach the daemon: ${err.message}`);
    });
    res.on("close", () => up.destroy()); // the client went away: so does the daemon request (an event stream)
    req.pipe(up);
  });
  // When the client closes its side, the requests it sent are answered, then the stream ends (a
  // plain http server would abort them). An event stream ends when writing to a gone client fails.
  (server as http.Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
  return new Promise((resolve) => {
    const stream = Duplex.from({ readable: o.input, writable: o.output });
    let done = false;
    const finish = (broken: boolean) => {
      if (done) return;
      done = true;
      for (const up of upstream) up.destroy();
      if (broken) stream.destroy();
      resolve();
    };
    o.output.once("finish", () => finish(false)); // all answered and the stream ended
    o.output.once("error", () => finish(true)); // EPIPE: nobody reads the answers any more
    stream.on("error", () => finish(true));
    stream.on("close", () => finish(true));
    server.emit("connection", stream);
  });
}
