// post-service's operator API (axum): only GET /status, JSON body of the service state; 404 otherwise.
import http from "node:http";

export function startOperatorServer(addr: string, body: () => string): Promise<http.Server> {
  const m = /^(.*):(\d+)$/.exec(addr)!;
  const host = m[1]!.replace(/^\[|\]$/g, "");
  const port = Number(m[2]);
  const server = http.createServer((req, res) => {
    const url = (req.url ?? "").split("?")[0];
    if (url === "/status") {
      if (req.method !== "GET" && req.method !== "HEAD") {
        res.writeHead(405, { allow: "GET,HEAD", "content-length": "0" }).end();
        return;
      }
      const b = body();
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(b) });
      res.end(req.method === "HEAD" ? undefined : b);
      return;
    }
    res.writeHead(404, { "content-length": "0" }).end();
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve(server);
    });
  });
}
