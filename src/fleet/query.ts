// Asks every rig for its snapshot at once, each within its own time limit, and sums each up. A rig
// that does not answer in time, or cannot be reached, is a summary with its error (never a throw).
import { SocketClient } from "../client/socket-client.js";
import type { Rig } from "./rigs-file.js";
import { rigEndpoint } from "./rig-connection.js";
import { summarize, unreachableSummary, type RigSummary } from "./summary.js";

export interface FleetQueryOptions {
  timeoutMs: number; // per rig
  now?: () => number;
}

export async function queryRig(r: Rig, o: FleetQueryOptions): Promise<RigSummary> {
  let client: SocketClient | null = null;
  let timer: NodeJS.Timeout | null = null;
  try {
    const t = await rigEndpoint(r);
    client = new SocketClient(t.socket, { ...t.options, timeoutMs: o.timeoutMs, unreachableWaitMs: 0 });
    const limit = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${o.timeoutMs / 1000} s`)), o.timeoutMs);
    });
    const snap = await Promise.race([client.call("snapshot", {}), limit]);
    return summarize(r, snap, (o.now ?? Date.now)());
  } catch (err) {
    return unreachableSummary(r, (err as Error)?.message ?? String(err));
  } finally {
    if (timer) clearTimeout(timer);
    client?.close();
  }
}

/** Every rig in parallel; the summaries in the rigs file's order. */
export function queryFleet(rigs: Rig[], o: FleetQueryOptions): Promise<RigSummary[]> {
  return Promise.all(rigs.map((r) => queryRig(r, o)));
}
