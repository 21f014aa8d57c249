// The control API's routes without their schemas: method and path per route key (api.ts adds the
// request and response schemas). A client that talks to a daemon of its own version needs only
// these: `postdeck status` then loads no protocol schema at all (src/client/socket-client.ts).
export const ROUTES = {
  snapshot: { method: "GET", path: "/v1/snapshot" },
  start: { method: "POST", path: "/v1/services/start" },
  stop: { method: "POST", path: "/v1/services/stop" },
  restart: { method: "POST", path: "/v1/services/restart" },
  logs: { method: "POST", path: "/v1/logs" },
  doctor: { method: "GET", path: "/v1/doctor" },
  daemonStop: { method: "POST", path: "/v1/daemon/stop" },
  reload: { method: "POST", path: "/v1/config/reload" },
  identityAdd: { method: "POST", path: "/v1/identities/add" },
  taskCancel: { method: "POST", path: "/v1/tasks/cancel" },
  identityImport: { method: "POST", path: "/v1/identities/import" },
  identityRollback: { method: "POST", path: "/v1/identities/rollback" },
  identityRetire: { method: "POST", path: "/v1/identities/retire" },
  identityRename: { method: "POST", path: "/v1/identities/rename" },
  identityPermissions: { method: "POST", path: "/v1/identities/permissions" },
  providers: { method: "GET", path: "/v1/providers" },
  identityTimeline: { method: "POST", path: "/v1/identities/timeline" },
  plan: { method: "GET", path: "/v1/plan" },
} as const;

/** Every answer of the daemon carries its postdeck version (src/version.ts) in this header. */
export const VERSION_HEADER = "x-postdeck-version";
