// The monitor wired into the daemon's Rig: the node log file followed by the Rig's LogHub reaches the
// join (registration per identity), survives truncation, and the views land in the Rig's snapshot.
import { afterEach, describe, expect, it } from "vitest";
import { appendFileSync, mkdirSync, truncateSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { ResolvedConfig } from "../../src/config/schema.js";
import { Rig } from "../../src/core/rig.js";
import { NodeMonitor } from "../../src/core/spacemesh/node-monitor.js";
import { attachNodeMonitor } from "../../src/daemon/attach-node-monitor.js";
import { keyHex } from "../core/spacemesh/rig-input.js";
import { waitFor } from "../helpers/wait-for.js";
import { tempDir } from "../helpers/temp-dir.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});


const zt = (ms: number) => new Date(ms).toISOString().replace("Z", "+0000");

describe("attachNodeMonitor", () => {
  it("feeds the followed node log to the join, across a truncation, and publishes into the Rig", async () => {
    const root = tempDir("pd-attach-");
    const ids = path.join(root, "data", "identities");
    mkdirSync(ids, { recursive: true, mode: 0o700 });
    const k1 = keyHex();
    writeFileSync(path.join(ids, "post1.key"), k1.hex, { mode: 0o600 });
    const logFile = path.join(root, "node.log");
    writeFileSync(logFile, "");
    const config: ResolvedConfig = {
      path: path.join(root, "postdeck.yaml"),
      rig: "t",
      demo: false,
      stateDir: path.join(root, "state"),
      node: {
        dataFolder: path.join(root, "data"),
        identitiesDir: ids,
        config: null,
        log: { file: logFile, command: null, cwd: null, env: {} },
        grpc: { public: "127.0.0.1:1", private: "127.0.0.1:1", post: "127.0.0.1:1" },
      },
      postcli: null,
      services: [],
      logs: { maxBytes: 1 << 20, keep: 1, ringLines: 100 },
    };
    const rig = new Rig({ config, logPollMs: 50, logBatchMs: 20 });
    const monitor = new NodeMonitor({ config, pollMs: 60_000, slowPollMs: 60_000, debounceMs: 20 });
    const published: string[] = [];
    rig.on("event", (e: { type: string }) => published.push(e.type));
    const detach = attachNodeMonitor(rig, monitor);
    cleanups.push(async () => {
      detach();
      await monitor.stop();
      await rig.logs.unfollow("node");
    });
    await monitor.start();
    rig.logs.follow("node", logFile, { backfillBytes: 1 << 20 });

    const t0 = Date.now() - 1000;
    appendFileSync(
      logFile,
      [
        `${zt(t0)}\tINFO\tnode\tLoaded existing identity\t{"filename": "post1.key", "public_key": "${k1.nodeId.slice(0, 5)}", "name": ""}`,
        `${zt(t0 + 5)}\tINFO\tnode.atxBuilder\tregistered signing key\t{"id": "${k1.nodeId.slice(0, 6)}"}`,
        // more history than the next run writes, so that the truncation shows as a smaller file
        ...Array.from({ length: 20 }, (_, i) => `${zt(t0 + 10 + i)}\tINFO\tnode.sync\tlayer synced\t{"layer": ${i}}`),
        "",
      ].join("\n"),
    );
    await waitFor(() => rig.snapshot().identities[0]?.registered === "yes", { what: "registration reaches the Rig's snapshot", timeoutMs: 30_000 });
    expect(rig.snapshot().identities[0]!.registeredAt).toBe(t0 + 5);
    expect(published).toContain("identities");

    // copytruncate rotation: the node restarts and logs into the emptied file
    truncateSync(logFile, 0);
    const t1 = Date.now();
    appendFileSync(
      logFile,
      [
        `${zt(t1)}\tINFO\tnode\tLoaded existing identity\t{"filename": "post1.key", "public_key": "${k1.nodeId.slice(0, 5)}", "name": ""}`,
        `${zt(t1 + 7)}\tINFO\tnode.atxBuilder\tregistered signing key\t{"id": "${k1.nodeId.slice(0, 6)}"}`,
        "",
      ].join("\n"),
    );
    await waitFor(() => rig.snapshot().identities[0]?.registeredAt === t1 + 7, { what: "the new run's registration after truncation", timeoutMs: 30_000 });
    expect(rig.snapshot().node.startedAt).toBe(t1);
  });
});
