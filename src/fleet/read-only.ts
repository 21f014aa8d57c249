// What a read-only connection may ask: the routes not marked `mutates` in src/protocol/routes.ts,
// and the event stream. Anything else — every mutating route, and any route this version does not
// know — is refused with 403 by the bridge (src/fleet/bridge.ts), whatever the client is.
import { ROUTES } from "../protocol/routes.js";

const EVENTS = "GET /v1/events"; // the daemon's SSE stream (src/daemon/control-server.ts)

const readable = new Set<string>([EVENTS]);
const known = new Map<string, string>();
for (const [key, r] of Object.entries(ROUTES)) {
  known.set(`${r.method} ${r.path}`, key);
  if (!("mutates" in r && r.mutates)) readable.add(`${r.method} ${r.path}`);
}

/** null when a read-only connection may send this request; else why not, for people. */
export function readOnlyRefusal(method: string | undefined, url: string | undefined): string | null {
  const pathname = new URL(url ?? "/", "http://bridge").pathname;
  const what = `${method ?? "?"} ${pathname}`;
  if (readable.has(what)) return null;
  const key = known.get(what);
  return key
    ? `this is a read-only connection: ${key} (${what}) changes the rig and is refused; connect without --read-only (a rig without readOnly: true) to act`
    : `this is a read-only connection: ${what} is not a read route and is refused`;
}
