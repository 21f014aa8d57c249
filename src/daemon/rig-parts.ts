// Plugs the parts around the Rig inside the daemon: the node side (NodeMonitor: identities, node
// gRPC, node log, findings), hardware sampling, the identity operations, and config reload. Returns
// the extra route handlers and a function that stops them all.
import path from "node:path";
import { loadConfig } from "../config/load.js";
import type { Rig } from "../core/rig.js";
import { NodeMonitor } from "../core/spacemesh/node-monitor.js";
import { attachNodeMonitor } from "./attach-node-monitor.js";
import { HardwareSampler } from "../core/hardware/sampler.js";
import { IdentityManager, IdentityError } from "../core/identity/manager.js";
import { KeyStoreError } from "../core/identity/key-store.js";
import { YamlServiceRegistry } from "../config/yaml-service-registry.js";
import { checkAddSpace, POSTCLI_DEFAULT_LABELS_PER_UNIT } from "../core/identity/add-space.js";
import { LABEL_BYTES } from "../core/spacemesh/pos-metadata.js";
import { ConfigError } from "../config/config-error.js";
import { HttpError, type ControlHandlers, type Handler } from "./control-server.js";
import { OrchestratorDriver } from "../core/orchestrator/driver.js";
import { pollRigFiles } from "../core/offline/rig-files.js";
import { attachAlerts } from "./attach-alerts.js";
import type { RouteKey } from "../protocol/api.js";
import { anyUrgent } from "../core/supervisor/operator-status.js";

export interface RigParts {
  handlers: Omit<ControlHandlers, "daemonStop">;
  /**
   * Once the supervisor has adopted or started the services: finishes the config part of identity
   * operations an interruption cut short (a service added, renamed or removed through the
   * supervisor's reload, one queue per service). Returns lines for the daemon log.
   */
  afterStart(): Promise<string[]>;
  stop(): Promise<void>;
}

/** Refusals of identity operations are the operator's to fix: 409 with the message, not a 500. */
function refusals<K extends RouteKey>(h: Handler<K>): Handler<K> {
  return async (b) => {
    try {
      return await h(b);
    } catch (err) {
      if (err instanceof IdentityError || err instanceof KeyStoreError) throw new HttpError(409, "refused", err.message);
      if (err instanceof ConfigError) throw new HttpError(409, "refused", `the config edit was refused: ${err.problems.join("; ")}`);
      if (err instanceof Error && !(err instanceof HttpError)) throw new HttpError(409, "refused", err.message);
      throw err;
    }
  };
}

/** The node says PROVING for some identity, or the cycle gap is open: a proof may be read now. */
function provingMayStart(monitor: NodeMonitor): boolean {
  return anyUrgent({ identities: monitor.identities(), clock: monitor.node().clock, now: Date.now() });
}

/** onReloaded: after a reload that applied the config (the daemon marks its socket newer than the file). */
export async function attachRigParts(rig: Rig, o: { watch?: boolean; onReloaded?: () => Promise<void> } = {}): Promise<RigParts> {
  const config = rig.config;
  const monitor: NodeMonitor = new NodeMonitor({
    config, watch: o.watch, historyDir: config.stateDir, pollMs: config.node.pollMs, slowPollMs: config.node.slowPollMs,
    // the node's Status/PostStates every pollMs while a client shows the node or a proof may start
    // or runs (the orchestrator and the operator polling act on PROVING); at rest every minute
    // (REST_POLL_MS; slow calls every 5 minutes), and when a client asks for a snapshot (Rig.freshSnapshot)
    pollUrgent: () => rig.watching("node") > 0 || rig.supervisor.anyProving() || provingMayStart(monitor),
  });
  const detach = attachNodeMonitor(rig, monitor);

  const hardware = new HardwareSampler({
    paths: () => [rig.config.node.dataFolder, ...rig.config.services.map((s) => s.dir)],
    postcliBinary: config.postcli?.binary ?? null,
    // a view every 2 s while a client shows it or a proof may read a disk (the orchestrator learns
    // disks' read rates from it), else every 30 s
    fast: () => rig.watching("hardware") > 0 || rig.supervisor.anyProving() || provingMayStart(monitor),
    // no client at all (not even a paced one) and nothing may prove: asleep until the slow view,
    // woken when a client comes or the node's word or a service changes
    idle: () => rig.watchedAtAll("hardware") === 0 && !rig.supervisor.anyProving() && !provingMayStart(monitor),
  });
  // what the node's and the sampler's paces read may have changed: their timers are armed again
  const paceInputsChanged = (e?: { type: string }) => {
    if (e && e.type !== "identities" && e.type !== "service") return;
    hardware.wake();
    monitor.paceChanged();
  };
  rig.on("watch", paceInputsChanged);
  rig.on("event", paceInputsChanged);
  hardware.on("hardware", (v) => {
    rig.publish("hardware", v);
    monitor.setDiskUsage(v.volumes.map((x) => ({ path: x.mount, freeBytes: x.freeBytes, totalBytes: x.totalBytes })));
  });

  let alerts: Awaited<ReturnType<typeof attachAlerts>> | null = null;
  const reload = async (): Promise<{ ok: boolean; message: string }> => {
    const next = await loadConfig({ flag: rig.config.path });
    const r = await rig.applyConfig(next);
    monitor.recompute();
    alerts?.refresh(); // sinks added or removed: the alerter is given the findings, or none
    if (r.ok) await o.onReloaded?.();
    return r;
  };

  const identities = new IdentityManager({
    identitiesDir: config.node.identitiesDir,
    stateDir: config.stateDir,
    postcli: config.postcli?.binary ?? null,
    registry: new YamlServiceRegistry(config.path),
    host: {
      stopService: async (name) => {
        if (rig.supervisor.has(name)) await rig.supervisor.stop(name);
      },
      reloadConfig: async () => void (await reload()),
      commitmentAtx: async () => {
        // a node that is starting up (or busy) may miss one 2 s deadline: ask three times
        for (let attempt = 0; attempt < 3; attempt++) {
          const atx = await monitor.grpcClient().highest().catch(() => null);
          if (atx) return atx;
          await new Promise((r) => setTimeout(r, 1000));
        }
        return null;
      },
      nodeSupervised: () => rig.supervisor.supervisedNode() !== null,
      serviceForKey: (keyFile) => monitor.identities().find((i) => i.keyFile === keyFile)?.service ?? null,
    },
  });
  rig.setTaskSource(() => identities.taskViews());
  identities.on("task", (t) => rig.publish("task", t));
  // key files of a rename or retire a crash cut short (no key, or two), before any service starts
  await identities.recoverKeyFiles().catch((err: Error) => process.stderr.write(`${new Date().toISOString()} warning: cannot finish interrupted identity operations: ${err.message}\n`));

  // proving: always, or on demand per physical disk within the RAM budget (src/core/orchestrator)
  let lastOutlook = "";
  const orchestrator = new OrchestratorDriver({
    rig,
    storedProofs: (keyFile) => monitor.proofHistory(keyFile),
    // findings: a service held back on purpose is no fault; a predicted miss is (only when they change)
    onOutlook: ({ queued, misses }) => {
      const key = JSON.stringify([[...queued], misses]);
      if (key === lastOutlook) return;
      lastOutlook = key;
      monitor.setFindingsExtras({ provingQueue: queued, predictedMisses: misses });
    },
  });

  const alertParts = await attachAlerts(rig, (alertSinks) => monitor.setFindingsExtras({ alertSinks }));
  alerts = alertParts;
  const handlers: RigParts["handlers"] = {
    alertsTest: async () => ({ results: await alertParts.alerter.test() }),
    reload: refusals(async () => reload()),
    identityAdd: refusals(async (r) => ({ task: await identities.add({ ...r, dir: path.resolve(r.dir) }) })),
    // the add wizard's review: the same space check and warnings the add makes before postcli starts
    identityAddCheck: async (r) => {
      const dir = path.resolve(r.dir);
      const space = await checkAddSpace({ ...r, dir }, { nodeDataFolder: rig.config.node.dataFolder });
      const sizeBytes = r.units * (r.labelsPerUnit ?? POSTCLI_DEFAULT_LABELS_PER_UNIT) * LABEL_BYTES;
      return { dir, sizeBytes, ...space };
    },
    taskCancel: refusals(async ({ id }) => ({ task: identities.cancel(id) })),
    identityImport: refusals(async (r) => {
      if (r.dryRun) return { items: await identities.planImport(r.dirs), batch: null };
      const done = await identities.import(r.dirs, r.confirm);
      return { items: done.items, batch: done.batch };
    }),
    identityRollback: refusals(async () => (await identities.rollback()) ?? { batch: null, steps: [] }),
    identityRetire: refusals(async ({ name }) => {
      const r = await identities.retire(name);
      return {
        ok: true,
        message: `key moved to ${r.retiredTo}${r.service ? `; service ${r.service} stopped and removed from the config` : ""}; PoS data kept. Restart the node so it stops using this identity.`,
      };
    }),
    identityRename: refusals(async (r) => {
      const target = await identities.rename(r.from, r.to);
      return { ok: true, message: `renamed to ${target}; restart the node so PostStates shows the new name` };
    }),
    identityPermissions: refusals(async ({ fix }) => ({ problems: await identities.permissions(fix) })),
    providers: async () => {
      const h = rig.snapshot().hardware;
      return {
        providers: h?.providers ?? [],
        source: h?.providersSource ?? "none",
        error: h?.providersError ?? (h ? null : "no hardware sample yet"),
      };
    },
    // Filled in by the per-identity history (timeline) and the proving planner.
    identityTimeline: async ({ name }) => {
      const t = monitor.timeline(name);
      if (!t) throw new HttpError(404, "not-found", `no identity named ${name}: give its key file (post1.key or post1) or its service name`);
      return t;
    },
    plan: async () => orchestrator.plan(),
    planRelease: async ({ names }) => {
      const released = orchestrator.handBack(names);
      const rest = names.filter((n) => !released.includes(n));
      return {
        released,
        message: `${released.length ? `${released.join(", ")} handed back to the orchestrator` : "nothing handed back"}${rest.length ? `; ${rest.join(", ")} ${rest.length === 1 ? "was" : "were"} not taken by hand` : ""}`,
      };
    },
  };

  await monitor.start();
  hardware.start();
  await orchestrator.start();
  const stopFiles = pollRigFiles(() => rig.config, (facts) => monitor.setFindingsExtras(facts));
  return {
    handlers,
    async afterStart() {
      try {
        return (await identities.recoverInterrupted()).map((r) => `interrupted identity ${r.op} ${r.outcome}: ${r.what}`);
      } catch (err) {
        return [`warning: cannot finish interrupted identity operations: ${(err as Error).message}`];
      }
    },
    async stop() {
      orchestrator.stop();
      stopFiles();
      await alertParts.stop();
      detach();
      rig.off("watch", paceInputsChanged);
      rig.off("event", paceInputsChanged);
      await Promise.all([monitor.stop(), hardware.stop()]);
    },
  };
}
