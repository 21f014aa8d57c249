// Control API between the daemon and its clients: HTTP+JSON over a Unix socket, plus an
// SSE stream (`GET /v1/events`). Every route is declared here with its request and response
// schemas (its method and path are in routes.ts); the daemon registers handlers by route key,
// the client calls by route key.
import * as z from "zod";
import {
  FindingSchema,
  LogLineSchema,
  NodeViewSchema,
  HardwareViewSchema,
  IdentityViewSchema,
  ServiceViewSchema,
  SnapshotSchema,
  TaskViewSchema,
  ProviderSchema,
  IdentityTimelineSchema,
  PlanSchema,
} from "./model.js";
import { ROUTES } from "./routes.js";

export const API_VERSION = 1;

export const ErrorBodySchema = z.object({
  error: z.object({
    code: z.string(), // e.g. "not-found", "bad-request", "conflict", "failed"
    message: z.string(), // for people: what, where, what to do
  }),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

const NamesSchema = z.object({
  names: z.array(z.string()).default([]),
  all: z.boolean().default(false),
  force: z.boolean().default(false), // act even on a proving service
});

const ActionResultSchema = z.object({
  results: z.array(
    z.object({ name: z.string(), ok: z.boolean(), message: z.string() }),
  ),
});
export type ActionResult = z.infer<typeof ActionResultSchema>;

export const ImportItemSchema = z.object({
  sourceDir: z.string(),
  keyPath: z.string(),
  ok: z.boolean(),
  problem: z.string().nullable(),
  nodeId: z.string().nullable(),
  shortId: z.string().nullable(),
  keyName: z.string().nullable(),
  serviceName: z.string().nullable(),
});
export type ImportItemView = z.infer<typeof ImportItemSchema>;

const OkSchema = z.object({ ok: z.boolean(), message: z.string() });

export const routes = {
  snapshot: {
    ...ROUTES.snapshot,
    request: z.object({}),
    response: SnapshotSchema,
  },
  start: { ...ROUTES.start, request: NamesSchema, response: ActionResultSchema },
  stop: { ...ROUTES.stop, request: NamesSchema, response: ActionResultSchema },
  restart: { ...ROUTES.restart, request: NamesSchema, response: ActionResultSchema },
  logs: {
    ...ROUTES.logs,
    request: z.object({ source: z.string(), lines: z.number().int().positive().default(200) }),
    response: z.object({ lines: z.array(LogLineSchema) }),
  },
  doctor: {
    ...ROUTES.doctor,
    request: z.object({}),
    response: z.object({ findings: z.array(FindingSchema) }),
  },
  daemonStop: {
    ...ROUTES.daemonStop,
    request: z.object({ stopServices: z.boolean().default(false), force: z.boolean().default(false) }),
    response: z.object({ ok: z.boolean(), message: z.string() }),
  },
  reload: {
    ...ROUTES.reload,
    request: z.object({}),
    response: z.object({ ok: z.boolean(), message: z.string() }),
  },
  identityAdd: {
    ...ROUTES.identityAdd,
    request: z.object({
      name: z.string(),
      dir: z.string(),
      units: z.number().int().positive(),
      provider: z.number().int().min(0).default(4294967295), // the CPU provider
      commitmentAtxId: z.string().nullable().default(null), // null: ask the node (ActivationService.Highest)
      labelsPerUnit: z.number().int().positive().optional(), // test networks / the demo rig only
      maxFileSize: z.number().int().positive().optional(),
    }),
    response: z.object({ task: TaskViewSchema }),
  },
  // what an add of this size into this dir would find before it starts: the space it needs, the free
  // space on the target volume, problems that refuse it and warnings (volume above ~95 % full after
  // it, PoS data on the node's own volume) — the add wizard's review step shows them
  identityAddCheck: {
    ...ROUTES.identityAddCheck,
    request: z.object({ dir: z.string(), units: z.number().int().positive(), labelsPerUnit: z.number().int().positive().optional() }),
    response: z.object({
      dir: z.string(), // resolved on the daemon's host
      sizeBytes: z.number(), // the whole PoS data
      needBytes: z.number(), // still to write (an interrupted add's files count as written)
      freeBytes: z.number().nullable(),
      totalBytes: z.number().nullable(),
      problems: z.array(z.string()),
      warnings: z.array(z.string()),
    }),
  },
  taskCancel: {
    ...ROUTES.taskCancel,
    request: z.object({ id: z.string() }),
    response: z.object({ task: TaskViewSchema }),
  },
  identityImport: {
    ...ROUTES.identityImport,
    request: z.object({
      dirs: z.array(z.string()).min(1),
      dryRun: z.boolean().default(true),
      confirm: z.array(z.string()).default([]), // short ids typed by the operator
    }),
    response: z.object({ items: z.array(ImportItemSchema), batch: z.string().nullable() }),
  },
  identityRollback: {
    ...ROUTES.identityRollback,
    request: z.object({}),
    response: z.object({
      batch: z.string().nullable(),
      steps: z.array(z.object({ destination: z.string(), action: z.string(), why: z.string() })),
    }),
  },
  identityRetire: { ...ROUTES.identityRetire, request: z.object({ name: z.string() }), response: OkSchema },
  identityRename: {
    ...ROUTES.identityRename,
    request: z.object({ from: z.string(), to: z.string() }),
    response: OkSchema,
  },
  identityPermissions: {
    ...ROUTES.identityPermissions,
    request: z.object({ fix: z.boolean().default(false) }),
    response: z.object({ problems: z.array(z.object({ path: z.string(), mode: z.number(), want: z.number() })) }),
  },
  providers: {
    ...ROUTES.providers,
    request: z.object({}),
    response: z.object({ providers: z.array(ProviderSchema), source: z.string(), error: z.string().nullable() }),
  },
  identityTimeline: {
    ...ROUTES.identityTimeline,
    request: z.object({ name: z.string() }), // key file name (post1.key or post1) or service name
    response: IdentityTimelineSchema,
  },
  plan: { ...ROUTES.plan, request: z.object({}), response: PlanSchema },
  // hands services taken by hand back to the proving orchestrator
  planRelease: { ...ROUTES.planRelease, request: z.object({ names: z.array(z.string()) }), response: z.object({ released: z.array(z.string()), message: z.string() }) },
  alertsTest: {
    ...ROUTES.alertsTest,
    request: z.object({}),
    response: z.object({
      results: z.array(z.object({ sink: z.string(), target: z.string(), ok: z.boolean(), error: z.string().nullable(), ms: z.number() })),
    }),
  },
} as const satisfies { [K in keyof typeof ROUTES]: (typeof ROUTES)[K] & { request: z.ZodType; response: z.ZodType } };

export type RouteKey = keyof typeof routes;
export type RouteRequest<K extends RouteKey> = z.input<(typeof routes)[K]["request"]>;
/** A request as the daemon's handler gets it: parsed by the route's schema, defaults filled in. */
export type RouteRequestParsed<K extends RouteKey> = z.output<(typeof routes)[K]["request"]>;
export type RouteResponse<K extends RouteKey> = z.infer<(typeof routes)[K]["response"]>;

/** Events on `GET /v1/events` (SSE). `event:` is the type, `data:` the JSON payload. */
export const EventSchemas = {
  snapshot: SnapshotSchema, // first event after connecting, and after reloads
  service: ServiceViewSchema, // one service changed
  identities: z.array(IdentityViewSchema),
  findings: z.array(FindingSchema),
  node: NodeViewSchema,
  hardware: HardwareViewSchema,
  task: TaskViewSchema,
  log: z.array(LogLineSchema), // batched lines
  bye: z.object({ reason: z.string() }), // daemon is shutting down
} as const;
export type EventType = keyof typeof EventSchemas;
export type EventPayload<T extends EventType> = z.infer<(typeof EventSchemas)[T]>;
