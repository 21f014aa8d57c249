// post-service's operator API (facts.md §1.5): `GET /status` → "Idle" |
// {"Proving":{"nonces":{"start","end"},"position"}} | "DoneProving". It can block while RandomX
// initialises, so every request has a short timeout; refused/timeout = unreachable.
import http from "node:http";
import type { OperatorStatus } from "../../protocol/model.js";

export interface ProgressBasis {
  posBytes: number | null; // NumUnits × LabelsPerUnit × 16, null when unknown
}

/** Parses the JSON body of `/status`. Unknown forms are reported as unreachable with the body. */
export function parseOperatorBody(body: unknown, basis: ProgressBasis): OperatorStatus {
  if (body === "Idle") return { kind: "idle" };
  if (body === "DoneProving") return { kind: "done" };
  if (body && typeof body === "object" && "Proving" in body) {
    const p = (body as { Proving: unknown }).Proving as { nonces?: { start?: unknown; end?: unknown }; position?: unknown } | null;
    const start = p?.nonces?.start;
    const end = p?.nonces?.end;
    const position = p?.position;
    if (typeof start === "number" && typeof end === "number" && typeof position === "number" && end > start) {
      const pass = Math.floor(start / (end - start)) + 1;
      const percent = basis.posBytes && basis.posBytes > 0 ? Math.min(100, (position / basis.posBytes) * 100) : null;
      return { kind: "proving", nonces: { start, end }, position, pass, percent };
    }
  }
  return { kind: "unreachable", error: `unexpected /status body: ${JSON.stringify(body).slice(0, 120)}` };
}

/** One `GET http://<addr>/status` with a timeout. Never throws. */
export function fetchOperatorStatus(addr: string, basis: ProgressBasis, timeoutMs = 1500): Promise<OperatorStatus> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (s: OperatorStatus) => {
      if (!done) {
        done = true;
        resolve(s);
      }
    };
    const req = http.get({ host: addr.replace(/:\d+$/, "").replace(/^\[|\]$/g, ""), port: Number(addr.split(":").pop()), path: "/status", timeout: timeoutMs, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        if (res.statusCode !== 200) return finish({ kind: "unreachable", error: `HTTP ${res.statusCode} from ${addr}/status` });
        try {
          finish(parseOperatorBody(JSON.parse(Buffer.concat(chunks).toString("utf8")), basis));
        } catch {
          finish({ kind: "unreachable", error: `invalid JSON from ${addr}/status` });
        }
      });
      res.on("error", (e) => finish({ kind: "unreachable", error: e.message }));
    });
    req.on("timeout", () => {
      req.destroy();
      finish({ kind: "unreachable", error: `no answer from ${addr}/status within ${timeoutMs} ms (RandomX may be initialising)` });
    });
    req.on("error", (e: NodeJS.ErrnoException) =>
      finish({ kind: "unreachable", error: e.code === "ECONNREFUSED" ? `connection refused on ${addr}` : e.message }),
    );
  });
}
