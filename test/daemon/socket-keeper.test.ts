// The socket keeper alone, on fake interval timers: a removed or replaced socket file is bound
// again at the next check (not before), connections to the new one reach the same HTTP server,
// and a stopped keeper leaves the path alone.
import { afterEach, describe, expect, it, vi } from "vitest";
import { existsSync, rmSync, statSync, writeFileSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { keepSocket } from "../../src/daemon/socket-keeper.js";
import { tempDir } from "../helpers/temp-dir.js";
import { waitFor } from "../helpers/wait-for.js";

const servers: http.Server[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

async function listening(): Promise<{ server: http.Server; sock: string }> {
  const sock = path.join(tempDir("pd-keeper-"), "daemon.sock");
  const server = http.createServer((_req, res) => res.end("same server"));
  servers.push(server);
  await new Promise<void>((r) => server.listen(sock, r));
  return { server, sock };
}

const get = (sock: string) =>
  new Promise<string>((resolve, reject) => {
    http.get({ socketPath: sock, path: "/" }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve(body));
    }).on("error", reject);
  });

describe("keepSocket", () => {
  it("binds a removed socket again at the next check, serving the same HTTP server", async () => {
    const { server, sock } = await listening();
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    const lines: string[] = [];
    const stop = keepSocket(server, { intervalMs: 1000, log: (l) => lines.push(l) });
    rmSync(sock);
    vi.advanceTimersByTime(999);
    expect(existsSync(sock)).toBe(false); // not before the check
    vi.advanceTimersByTime(1);
    // bound, then made owner-only in the listen callback
    await waitFor(() => existsSync(sock) && statSync(sock).isSocket() && (statSync(sock).mode & 0o777) === 0o600, { what: "socket bound again, mode 0600" });
    expect(lines.join("\n")).toContain(`control socket ${sock} was removed; binding it again`);
    expect(await get(sock)).toBe("same server");
    stop();
  });

  it("binds it again each time it is removed (the second re-bind's socket is not lost when the first one's listener closes)", async () => {
    const { server, sock } = await listening();
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    const lines: string[] = [];
    const stop = keepSocket(server, { intervalMs: 1000, log: (l) => lines.push(l) });
    for (let round = 1; round <= 3; round++) {
      rmSync(sock);
      vi.advanceTimersByTime(1000);
      await waitFor(() => existsSync(sock) && statSync(sock).isSocket() && (statSync(sock).mode & 0o777) === 0o600, { what: `socket bound again (removal ${round})` });
      expect(await get(sock)).toBe("same server");
      // the next checks find it in place: nothing is bound again until it is removed again
      vi.advanceTimersByTime(3000);
      await new Promise((r) => setImmediate(r));
      expect(existsSync(sock)).toBe(true);
      expect(lines.filter((l) => l.includes("binding it again"))).toHaveLength(round);
    }
    expect(await get(sock)).toBe("same server");
    stop();
  });

  it("replaces another file put at the path; a stopped keeper leaves the path alone", async () => {
    const { server, sock } = await listening();
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    const lines: string[] = [];
    const stop = keepSocket(server, { intervalMs: 1000, log: (l) => lines.push(l) });
    rmSync(sock);
    writeFileSync(sock, "not a socket");
    vi.advanceTimersByTime(1000);
    await waitFor(() => statSync(sock).isSocket() && (statSync(sock).mode & 0o777) === 0o600, { what: "the file replaced by the socket" });
    expect(lines.join("\n")).toContain("was replaced by another file");
    expect(await get(sock)).toBe("same server");

    stop(); // closes the socket it bound (the path goes with it)
    writeFileSync(sock, "someone else's file");
    vi.advanceTimersByTime(5000);
    await new Promise((r) => setImmediate(r));
    expect(statSync(sock).isFile()).toBe(true);
    expect(lines.filter((l) => l.includes("binding it again"))).toHaveLength(1);
  });
});
