// The socket keeper alone: a removed or replaced socket file (or its whole directory) is bound
// again as soon as the directory's watch reports it, with no timer (interval timers are faked and
// never advanced); connections to the new one reach the same HTTP server; a stopped keeper leaves
// the path alone; where the directory cannot be watched it checks on a timer, not before.
import { afterEach, describe, expect, it, vi } from "vitest";
import { existsSync, rmSync, statSync, writeFileSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { keepSocket } from "../../src/daemon/socket-keeper.js";
import { listenOwnerOnly } from "../../src/daemon/owner-only-listen.js";
import { tempDir } from "../helpers/temp-dir.js";
import { sleep, waitFor } from "../helpers/wait-for.js";

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

const boundAgain = (sock: string, what: string) =>
  waitFor(() => existsSync(sock) && statSync(sock).isSocket() && (statSync(sock).mode & 0o777) === 0o600, { what, timeoutMs: 5000 });

/** Interval timers faked and never advanced: a keeper that needs one never checks. */
const noIntervals = () => vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });

describe("keepSocket", () => {
  it("binds a removed socket again when the directory's watch reports it (no timer), serving the same HTTP server", async () => {
    const { server, sock } = await listening();
    noIntervals();
    const lines: string[] = [];
    const stop = keepSocket(server, { log: (l) => lines.push(l) });
    rmSync(sock);
    await boundAgain(sock, "socket bound again, mode 0600");
    expect(lines.join("\n")).toContain(`control socket ${sock} was removed; binding it again`);
    expect(await get(sock)).toBe("same server");
    stop();
  });

  it("binds it again each time it is removed (the second re-bind's socket is not lost when the first one's listener closes)", async () => {
    const { server, sock } = await listening();
    noIntervals();
    const lines: string[] = [];
    const stop = keepSocket(server, { log: (l) => lines.push(l) });
    for (let round = 1; round <= 3; round++) {
      rmSync(sock);
      await boundAgain(sock, `socket bound again (removal ${round})`);
      expect(await get(sock)).toBe("same server");
      // its own re-bind's events find the socket in place: nothing is bound again until it is removed again
      await sleep(100);
      expect(existsSync(sock)).toBe(true);
      expect(lines.filter((l) => l.includes("binding it again"))).toHaveLength(round);
    }
    // other files in the directory come and go: the socket stays as it is
    writeFileSync(path.join(path.dirname(sock), "state.json"), "{}");
    await sleep(100);
    expect(lines.filter((l) => l.includes("binding it again"))).toHaveLength(3);
    expect(await get(sock)).toBe("same server");
    stop();
  });

  it("re-creates a removed directory and binds the socket in it, and watches the new directory", async () => {
    const { server, sock } = await listening();
    noIntervals();
    const lines: string[] = [];
    const stop = keepSocket(server, { log: (l) => lines.push(l) });
    rmSync(path.dirname(sock), { recursive: true });
    await boundAgain(sock, "directory and socket made again");
    expect(await get(sock)).toBe("same server");
    rmSync(sock);
    await boundAgain(sock, "socket in the new directory bound again");
    expect(lines.filter((l) => l.includes("binding it again"))).toHaveLength(2);
    expect(await get(sock)).toBe("same server");
    stop();
  });

  it("replaces another file put at the path; a stopped keeper leaves the path alone", async () => {
    const { server, sock } = await listening();
    noIntervals();
    const lines: string[] = [];
    const stop = keepSocket(server, { log: (l) => lines.push(l) });
    rmSync(sock);
    writeFileSync(sock, "not a socket");
    await waitFor(() => statSync(sock).isSocket() && (statSync(sock).mode & 0o777) === 0o600, { what: "the file replaced by the socket", timeoutMs: 5000 });
    expect(lines.join("\n")).toContain("binding it again");
    expect(await get(sock)).toBe("same server");

    stop(); // closes the socket it bound (the path goes with it)
    writeFileSync(sock, "someone else's file");
    await sleep(100);
    expect(statSync(sock).isFile()).toBe(true);
    expect(lines.filter((l) => l.includes("binding it again"))).toHaveLength(1);
  });

  it("binds a socket removed between the daemon's bind and the keeper's start (no watch saw that removal)", async () => {
    const { server, sock } = await listening();
    noIntervals();
    rmSync(sock); // a busy machine held the daemon between its bind and "listening"; a cleaner ran
    const lines: string[] = [];
    const stop = keepSocket(server, { log: (l) => lines.push(l) });
    await boundAgain(sock, "socket removed before the keeper started, bound again");
    expect(lines.join("\n")).toContain(`control socket ${sock} was removed; binding it again`);
    expect(await get(sock)).toBe("same server");
    stop();
  });

  it("where the directory cannot be watched, checks every intervalMs (not before)", async () => {
    const { server, sock } = await listening();
    noIntervals();
    const lines: string[] = [];
    const watch = () => {
      throw Object.assign(new Error("no inotify watches left"), { code: "ENOSPC" });
    };
    const stop = keepSocket(server, { intervalMs: 1000, log: (l) => lines.push(l), watch });
    expect(lines.join("\n")).toContain("checking it every 1 s");
    rmSync(sock);
    vi.advanceTimersByTime(999);
    await sleep(50);
    expect(existsSync(sock)).toBe(false);
    vi.advanceTimersByTime(1);
    await boundAgain(sock, "socket bound again by the timer's check");
    expect(await get(sock)).toBe("same server");
    stop();
  });
});

describe("listenOwnerOnly", () => {
  it("the socket file is 0600 from the moment listen() returns (before its callback), whatever the umask; the umask is left as it was", async () => {
    const sock = path.join(tempDir("pd-owner-"), "daemon.sock");
    const server = http.createServer((_req, res) => res.end("owner only"));
    servers.push(server);
    const umask = process.umask(0o002); // as a shell with a group-writable default
    try {
      let chmodError: Error | null | undefined;
      const listening = new Promise<void>((r) => listenOwnerOnly(server, sock, (e) => ((chmodError = e), r())));
      // a client polling for the file can find it here already
      expect(statSync(sock).mode & 0o777).toBe(0o600);
      expect(process.umask()).toBe(0o002);
      await listening;
      expect(chmodError).toBeNull();
      expect(statSync(sock).mode & 0o777).toBe(0o600);
      expect(await get(sock)).toBe("owner only");
    } finally {
      process.umask(umask);
    }
  });
});
