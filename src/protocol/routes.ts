// The control API's routes without their schemas: method and path per route key (api.ts adds the
// request and response schemas). A client that talks to a daemon of its own version needs only
// these: `postdeck status` then loads no protocol schema at all (src/client/socket-client.ts).
// `mutates: true` marks every route that changes the rig: a read-only connection (`postdeck bridge
// --read-only`, a rig with `readOnly: true`) refuses exactly these (the route decides, not the body:
// an import dry run or `identity permissions` without --fix is refused too).
export const ROUTES = {
  snapshot: { method: "GET", path: "/v1/snapshot" },
  start: { method: "POST", path: "/v1/services/start", mutates: true },
  stop: { method: "POST", path: "/v1/services/stop", mutates: true },
  restart: { method: "POST", path: "/v1/services/restart", mutates: true },
  logs: { method: "POST", path: "/v1/logs" },
  doctor: { method: "GET", path: "/v1/doctor" },
  daemonStop: { method: "POST", path: "/v1/daemon/stop", mutates: true },
  reload: { method: "POST", path: "/v1/config/reload", mutates: true },
  identityAdd: { method: "POST", path: "/v1/identities/add", mutates: true },
  identityAddCheck: { method: "POST", path: "/v1/identities/add-check" }, // read-only: what an add would find (space, warnings)
  taskCancel: { method: "POST", path: "/v1/tasks/cancel", mutates: true },
  identityImport: { method: "POST", path: "/v1/identities/import", mutates: true },
  identityRollback: { method: "POST", path: "/v1/identities/rollback", mutates: true },
  identityRetire: { method: "POST", path: "/v1/identities/retire", mutates: true },
  identityRename: { method: "POST", path: "/v1/identities/rename", mutates: true },
  identityPermissions: { method: "POST", path: "/v1/identities/permissions", mutates: true },
  providers: { method: "GET", path: "/v1/providers" },
  identityTimeline: { method: "POST", path: "/v1/identities/timeline" },
  plan: { method: "GET", path: "/v1/plan" },
  planRelease: { method: "POST", path: "/v1/plan/release", mutates: true },
  alertsTest: { method: "POST", path: "/v1/alerts/test", mutates: true }, // sends messages: not from a read-only connection
} as const;

/** Every answer of the daemon carries its postdeck version (src/version.ts) in this header. */
export const VERSION_HEADER = "x-postdeck-version";

/** `GET /v1/events?types=a,b`: the event stream limited to these types (the first snapshot and `bye` always come). */
export const EVENT_TYPES_PARAM = "types";

/**
 * `GET /v1/events?sampleMs=10000`: this client takes CPU/RSS and hardware samples no faster than
 * that (the console draws them every 10 s): while it watches they are sampled at that pace, not every 2 s.
 */
export const EVENT_SAMPLE_MS_PARAM = "sampleMs";
