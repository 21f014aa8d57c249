// One daemon request for a view that needs more than the snapshot (the identity timeline, the
// proving plan): asked when the view opens and again every `refreshMs`, answered as data, an
// error for people, or "not available" when the daemon does not implement the route yet (501).
import { useEffect, useState } from "react";
import type { DaemonClient } from "../../client/types.js";
import type { RouteKey, RouteRequest, RouteResponse } from "../../protocol/api.js";

export type Remote<T> =
  | { kind: "loading" }
  | { kind: "ok"; data: T }
  | { kind: "unavailable"; message: string } // the daemon answered 501 not-implemented
  | { kind: "error"; message: string };

export function remoteFailure(err: unknown): { kind: "unavailable" | "error"; message: string } {
  const e = err as { status?: number; code?: string; message?: string };
  const message = err instanceof Error ? err.message : String(err);
  if (e?.status === 501 || e?.code === "not-implemented") return { kind: "unavailable", message };
  return { kind: "error", message };
}

export function useRoute<K extends RouteKey>(client: DaemonClient, route: K, body: RouteRequest<K>, key: string, refreshMs = 0): Remote<RouteResponse<K>> {
  const [state, set] = useState<Remote<RouteResponse<K>>>({ kind: "loading" });
  useEffect(() => {
    let live = true;
    const ask = () =>
      client.call(route, body).then(
        (data) => live && set({ kind: "ok", data }),
        (err: unknown) => live && set(remoteFailure(err)),
      );
    void ask();
    const t = refreshMs > 0 ? setInterval(() => void ask(), refreshMs) : null;
    t?.unref?.();
    return () => {
      live = false;
      if (t) clearInterval(t);
    };
  }, [client, route, key, refreshMs]); // eslint-disable-line react-hooks/exhaustive-deps
  return state;
}
