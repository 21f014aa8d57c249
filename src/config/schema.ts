// postdeck's configuration file (YAML), validated with zod. Field names are camelCase.
// See README "Configuration" for the reference; src/config/load.ts finds and reads the file.
import * as z from "zod";
import { RestartPolicySchema } from "../protocol/restart-policy.js";
import { isSocketAddr, MAX_SERVICE_NAME, MAX_TIMER_MS, MAX_TIMER_S, portInRange } from "./limits.js";
import { fetchRefusedPort, refusedPortAdvice } from "./fetch-bad-ports.js";

/** "IP:port" as post-service's --operator-address requires (a Rust SocketAddr: no host names). */
export const SocketAddrSchema = z
  .string()
  .regex(/^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]):\d{1,5}$/, {
    message: "expected IP:port, e.g. 127.0.0.1:50051 (a host name is not accepted)",
    abort: true,
  })
  .refine(isSocketAddr, { message: "IP:port with a valid IPv4 or [IPv6] address and a port from 1 to 65535, e.g. 127.0.0.1:50051" });

/** "host:port" for gRPC listeners. */
export const HostPortSchema = z
  .string()
  .regex(/^[A-Za-z0-9.\-_]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/, {
    message: "expected host:port, e.g. 127.0.0.1:9094",
    abort: true,
  })
  .refine(portInRange, { message: "host:port with a port from 1 to 65535, e.g. 127.0.0.1:9094" });

export const RestartSchema = z
  .object({
    policy: RestartPolicySchema.default("on-failure"),
    maxRestarts: z.number().int().min(0).default(10),
    initialDelayMs: z.number().int().min(0).max(MAX_TIMER_MS).default(500),
    maxDelayMs: z.number().int().min(0).max(MAX_TIMER_MS).default(15000),
    resetAfterS: z.number().min(0).max(MAX_TIMER_S).default(30), // uptime after which the backoff resets
  })
  .strict();
export type RestartConfig = z.infer<typeof RestartSchema>;

const ServiceOverridesShape = {
  binary: z.string().min(1).optional(),
  threads: z.number().int().min(0).optional(), // 0 = all cores
  pinnedCores: z.array(z.number().int().min(0)).min(1).optional(),
  nonces: z.number().int().min(16).optional(),
  randomxMode: z.enum(["fast", "light"]).optional(),
  reconnectIntervalS: z.number().int().min(1).optional(),
  maxRetries: z.number().int().min(0).nullable().optional(),
  extraArgs: z.array(z.string()).optional(),
  env: z.record(z.string(), z.string()).optional(),
  autostart: z.boolean().optional(),
  restart: RestartSchema.partial().optional(),
};

export const DefaultsSchema = z
  .object({
    binary: z.string().min(1).default("post-service"),
    threads: z.number().int().min(0).default(1),
    nonces: z.number().int().min(16).default(128),
    randomxMode: z.enum(["fast", "light"]).default("fast"),
    reconnectIntervalS: z.number().int().min(1).default(5),
    maxRetries: z.number().int().min(0).nullable().default(null),
    extraArgs: z.array(z.string()).default([]),
    env: z.record(z.string(), z.string()).default({}),
    autostart: z.boolean().default(true),
    restart: RestartSchema.default(RestartSchema.parse({})),
    stopGraceS: z.number().min(0).max(MAX_TIMER_S).default(10),
  })
  .strict();

export const ServiceSchema = z
  .object({
    name: z.string().max(MAX_SERVICE_NAME).regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, {
      message: "expected a name of letters, digits, '.', '_' or '-'",
    }),
    dir: z.string().min(1),
    operatorAddress: SocketAddrSchema.optional(),
    ...ServiceOverridesShape,
  })
  .strict();
export type ServiceConfig = z.infer<typeof ServiceSchema>;

export const NodeLogSchema = z
  .object({
    file: z.string().min(1).optional(), // follow this file
    command: z.array(z.string()).min(1).optional(), // or supervise the node: argv
    cwd: z.string().optional(),
    env: z.record(z.string(), z.string()).default({}),
  })
  .strict()
  .refine((v) => !(v.file && v.command), { message: "expected either log.file or log.command, not both" });

export const NodeSchema = z
  .object({
    dataFolder: z.string().min(1),
    config: z.string().min(1).optional(), // go-spacemesh JSON config
    log: NodeLogSchema.optional(),
    // how often the daemon asks the node: Status/PostStates, and the slow facts (SmesherIDs,
    // Coinbase, PostConfig, Version) with a rescan of the files
    pollMs: z.number().int().min(100).max(MAX_TIMER_MS).default(2000),
    slowPollMs: z.number().int().min(100).max(MAX_TIMER_MS).default(30_000),
    grpc: z
      .object({
        public: HostPortSchema.optional(),
        private: HostPortSchema.optional(),
        post: HostPortSchema.optional(),
        // mTLS to the node's grpc-tls-listener (PostInfoService); post then dials that listener
        tls: z
          .object({ ca: z.string().min(1), cert: z.string().min(1), key: z.string().min(1), domain: z.string().min(1).optional() })
          .strict()
          .optional(),
      })
      .strict()
      .default({}),
  })
  .strict();

/** When post-services run: `always` (each kept running) or `on-demand` (started when the node
 * asks its identity for a proof, at most `perDisk` per physical disk, within the RAM budget). */
export const ProvingSchema = z
  .object({
    mode: z.enum(["always", "on-demand"]).default("always"),
    perDisk: z.number().int().min(1).default(1),
    maxConcurrent: z.union([z.literal("auto"), z.number().int().min(1)]).default("auto"),
    memoryBudget: z
      .string()
      .regex(/^(auto|\d+(\.\d+)?\s*(B|KiB|MiB|GiB|TiB))$/, { message: 'expected "auto" or a size such as "48GiB"' })
      .default("auto"),
    /** Physical disk name → PoS dirs (or parent dirs) on it: overrides the mapping read from /sys. */
    disks: z.record(z.string().min(1), z.array(z.string().min(1)).min(1)).default({}),
  })
  .strict();
export type ProvingConfig = z.infer<typeof ProvingSchema>;

/** A severity as a threshold: an alert sink gets alerts of this severity and worse. */
export const AlertSeveritySchema = z.enum(["error", "warning", "info"]);

/** One place alerts go: a command (alert JSON on stdin) or a webhook (POST). */
export const AlertSinkSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, { message: "expected a name of letters, digits, '.', '_' or '-'" }),
    command: z.array(z.string().min(1)).min(1).optional(), // argv; the alert as JSON on stdin
    webhook: z.string().regex(/^https?:\/\/\S+$/, { message: "expected an http:// or https:// URL" }).optional(),
    // the body: a string (sent as text/plain) or a JSON value (sent as JSON), {{placeholders}} filled in
    template: z.unknown().optional(),
    headers: z.record(z.string(), z.string()).optional(),
    minSeverity: AlertSeveritySchema.default("warning"),
    timeoutS: z.number().min(1).max(120).default(10),
  })
  .strict()
  .refine((s) => (s.command === undefined) !== (s.webhook === undefined), { message: "expected exactly one of command or webhook" })
  .superRefine((s, ctx) => {
    // fetch would fail with only "bad port" at the first alert: refused here, naming sink and port
    const port = s.webhook ? fetchRefusedPort(s.webhook) : null;
    if (port !== null) ctx.addIssue({ code: "custom", path: ["webhook"], message: `a port fetch connects to: sink ${s.name} could never send; ${refusedPortAdvice(port)}` });
  });
export type AlertSinkConfig = z.infer<typeof AlertSinkSchema>;

/** An IANA time zone this system knows, e.g. Europe/Berlin. */
const TimeZoneSchema = z.string().refine(
  (tz) => {
    try {
      new Intl.DateTimeFormat("en", { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  },
  { message: "expected a time zone name such as UTC or Europe/Berlin (see timedatectl list-timezones)" },
);

/** HH:MM, 24-hour clock. */
const ClockTimeSchema = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: "expected HH:MM (24-hour clock), e.g. 22:00" });

export const AlertsSchema = z
  .object({
    sinks: z.array(AlertSinkSchema).default([]),
    repeatMinutes: z.number().min(0).default(240), // while a finding stays open; 0 = never repeat
    delayS: z.number().min(0).default(30), // a finding must last this long before it is sent
    // warnings (and notes) wait until the quiet hours end; errors always go
    quietHours: z.object({ from: ClockTimeSchema, to: ClockTimeSchema, timeZone: TimeZoneSchema.optional() }).strict().optional(),
  })
  .strict();
export type AlertsConfig = z.infer<typeof AlertsSchema>;

export const ConfigSchema = z
  .object({
    rig: z.string().min(1).optional(), // name shown in the header; default: host name
    demo: z.boolean().default(false),
    stateDir: z.string().min(1).optional(), // default: $XDG_STATE_HOME/postdeck (or ~/.local/state/postdeck)
    node: NodeSchema,
    postcli: z.object({ binary: z.string().min(1) }).strict().optional(),
    alerts: AlertsSchema.optional(),
    defaults: DefaultsSchema.default(DefaultsSchema.parse({})),
    services: z.array(ServiceSchema).default([]),
    logs: z
      .object({
        maxBytes: z.number().int().min(4096).default(10 * 1024 * 1024),
        keep: z.number().int().min(0).default(3),
        ringLines: z.number().int().min(10).default(2000),
      })
      .strict()
      .default({ maxBytes: 10 * 1024 * 1024, keep: 3, ringLines: 2000 }),
    proving: ProvingSchema.default(ProvingSchema.parse({})),
  })
  .strict();
export type RawConfig = z.input<typeof ConfigSchema>;
export type Config = z.infer<typeof ConfigSchema>;

/** A service with defaults applied and paths absolute: what the supervisor works with. */
export interface ResolvedService {
  name: string;
  dir: string;
  operatorAddress: string | null; // null until assigned (then kept in state)
  binary: string;
  threads: number;
  pinnedCores: number[] | null;
  nonces: number;
  randomxMode: "fast" | "light";
  reconnectIntervalS: number;
  maxRetries: number | null;
  extraArgs: string[];
  env: Record<string, string>;
  autostart: boolean;
  restart: RestartConfig;
  stopGraceS: number;
}

export interface ResolvedConfig {
  path: string; // the file it came from
  rig: string;
  demo: boolean;
  stateDir: string;
  node: {
    dataFolder: string;
    identitiesDir: string;
    config: string | null;
    /** NodeMonitor poll intervals (absent in configs built by hand in code: 2000 / 30000 ms). */
    pollMs?: number;
    slowPollMs?: number;
    log: { file: string | null; command: string[] | null; cwd: string | null; env: Record<string, string> };
    grpc: {
      public: string | null;
      private: string | null;
      post: string | null;
      /** absolute PEM paths; absent/null = plaintext */
      tls?: { ca: string; cert: string; key: string; domain: string | null } | null;
    };
  };
  postcli: { binary: string } | null;
  /** The alerts section (absent: no alerts are sent). */
  alerts?: AlertsConfig;
  services: ResolvedService[];
  logs: { maxBytes: number; keep: number; ringLines: number };
  /** Absent in configs built by hand in code (tests): means the schema's defaults. */
  proving?: ProvingConfig;
}
