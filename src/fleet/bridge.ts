// `postdeck bridge`: HTTP over this process's stdin/stdout, passed on to the daemon's Unix socket —
// the far end of `ssh HOST postdeck bridge` (src/client/ssh-transport.ts). It parses every request
// (a plain byte pipe could not judge a second request on the same stream), so with `readOnly` it
// refuses every mutating route itself, for this connection only, before the daemon sees it.
import http from "node:http";
import net from "node:net";
import os from "node:os";
import { Duplex, PassThrough, type Readable, type Writable } from "node:stream";
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

function sendError(res: http.ServerResponse, status: number, code: string, message: string): void {
  const body: ErrorBody = { error: { code, message } };
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), [VERSION_HEADER]: version });
  res.end(text);
}

/** Serves the stream until the client closes it. */
export function runBridge(o: BridgeOptions): Promise<void> {
  let inFlight = 0;
  let inputEnded = false;
  let finish = (): void => undefined;
  const server = http.createServer((req, res) => {
    inFlight++;
    res.once("close", () => {
      inFlight--;
      if (inputEnded && inFlight === 0) finish();
    });
    const refused = o.readOnly ? readOnlyRefusal(req.method, req.url) : null;
    if (refused) {
      req.resume();
      return sendError(res, 403, "read-only", refused);
    }
    const up = http.request(
      { createConnection: () => net.createConnection(o.socket), method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    up.on("error", (err: NodeJS.ErrnoException) => {
      if (res.headersSent) return res.destroy();
      if (err.code === "ENOENT" || err.code === "ECONNREFUSED")
        return sendError(res, 503, "no-daemon", `no postdeck daemon runs on ${os.hostname()} (no answer on ${o.socketLabel}); start it there with \`postdeck daemon start\``);
      sendError(res, 502, "failed", `the bridge on ${os.hostname()} could not reach the daemon: ${err.message}`);
    });
    res.on("close", () => up.destroy()); // the client went away: so does the daemon request (an event stream)
    req.pipe(up);
  });
  return new Promise((resolve) => {
    // the server never sees the input end (it would abort what is still being answered): the
    // input is passed on without its end, which finish() stands for
    const requests = new PassThrough();
    o.input.pipe(requests, { end: false });
    const stream = Duplex.from({ readable: requests, writable: o.output });
    let done = false;
    finish = () => {
      if (done) return;
      done = true;
      stream.destroy();
      resolve();
    };
    // the client's end of the stream closed: nothing more will be asked; what was asked is answered
    const inputDone = () => {
      inputEnded = true;
      if (inFlight === 0) finish();
    };
    o.input.once("end", inputDone);
    o.input.once("close", inputDone);
    o.output.once("error", finish); // EPIPE: nobody reads the answers any more
    stream.on("error", finish);
    stream.on("close", finish);
    server.emit("connection", stream);
  });
}
