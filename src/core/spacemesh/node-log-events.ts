// The go-spacemesh log lines that matter for post-services (docs/node-signals.md), recognised by
// logger name AND message: `registered signing key` is logged with the same text by node.atxHandler,
// node.proposalBuilder, node.hare, node.blockCert and the beacon; only node.atxBuilder's counts.
//
// Node start: go-spacemesh logs one `Loaded existing identity` (or `Created new identity`) per key
// while starting, before anything else of the run. The first identity line of a block (one not
// directly preceded by another identity line) marks a start. A node postdeck supervises is also
// known to have started when it was spawned (the daemon tells the monitor); this log signal covers
// a node run elsewhere whose log postdeck follows.
import type { NodeLogLine, NodeLogEntry } from "./node-log-parser.js";
import { isEntry } from "./node-log-parser.js";
import { parseGoDuration } from "../../clock/go-duration.js";

export type StartupErrorCode =
  | "duplicate-key"
  | "supervised-key-remote"
  | "smeshing-remote"
  | "smeshing-no-coinbase"
  | "file-lock"
  | "loading-identities";

/**
 * Who a line names. From v1.6 the node writes ids as the 6-hex short id (first 3 bytes of the node
 * id) in most places; some lines still carry the full 64 hex. Either may be null.
 */
export interface LineIds {
  nodeId: string | null; // 64 hex
  shortId: string | null; // 6 hex (always set when nodeId is)
}

export type NodeLogEvent =
  | { kind: "identity-loaded"; at: number | null; filename: string; publicKey: string; created: boolean }
  | { kind: "identities-loaded"; at: number | null; count: number }
  | { kind: "node-start"; at: number | null }
  | { kind: "node-version"; at: number | null; version: string }
  | { kind: "registered"; at: number | null; shortId: string }
  | { kind: "already-registered"; at: number | null; shortId: string }
  | { kind: "post-connected"; at: number | null; nodeId: string }
  | { kind: "post-not-connected"; at: number | null; nodeId: string; error: string | null }
  | { kind: "post-start"; at: number | null; nodeId: string | null; raw: string }
  | ({ kind: "post-finish"; at: number | null; durationMs: number | null; raw: string } & { nodeId: string | null })
  | ({ kind: "poet-registered"; at: number | null; raw: string } & LineIds)
  | ({ kind: "poet-proof"; at: number | null; raw: string } & LineIds)
  | ({ kind: "atx-broadcast"; at: number | null; atxId: string; raw: string } & LineIds)
  | ({ kind: "atx-published"; at: number | null; atxId: string; raw: string } & LineIds)
  | ({ kind: "atx-publish-failed"; at: number | null; error: string; raw: string } & LineIds)
  | { kind: "initial-proof-failed"; at: number | null; error: string; nodeId: string | null; raw: string }
  | ({ kind: "initial-post-invalid"; at: number | null; message: string; raw: string } & LineIds)
  | ({ kind: "post-verification-failed"; at: number | null; message: string; raw: string } & LineIds)
  | { kind: "smeshing-not-started"; at: number | null; raw: string }
  | { kind: "node-fatal"; at: number | null; message: string; raw: string }
  | { kind: "node-exit-error"; at: number | null; message: string; raw: string }
  | { kind: "coinbase-not-set"; at: number | null }
  | { kind: "startup-error"; at: number | null; code: StartupErrorCode; message: string };

/** Last segment of a zap logger name: `node.atxBuilder` → `atxBuilder` (pre-1.4: `87edf.atxBuilder`). */
function moduleOf(logger: string): string {
  const i = logger.lastIndexOf(".");
  return i === -1 ? logger : logger.slice(i + 1);
}

function str(v: unknown): string | null {
  return typeof v === "string" ? v : null;
}

const HEX64 = /^[0-9a-f]{64}$/i;
const HEX6 = /^[0-9a-f]{6}$/i;

function hex64(v: unknown): string | null {
  const s = str(v);
  return s && HEX64.test(s) ? s.toLowerCase() : null;
}

/** A smesher id field in either form (64 hex, or the 6-hex short id). */
export function idsOf(v: unknown): LineIds {
  const s = str(v);
  if (s && HEX64.test(s)) return { nodeId: s.toLowerCase(), shortId: s.slice(0, 6).toLowerCase() };
  if (s && HEX6.test(s)) return { nodeId: null, shortId: s.toLowerCase() };
  return { nodeId: null, shortId: null };
}

function smesherIds(f: Record<string, unknown>): LineIds {
  return idsOf(f.smesherID ?? f.smesher ?? f.node_id);
}

const V13_IDENTITY = /^Loaded existing identity; public key: ([0-9a-f]{64})/i;
const APP_VERSION = /^App version: (v?[0-9][^\s]*?)\.?(?:\s|$)/;
const FATAL_TEXT = /^(panic: |fatal error: |Fatal: )/;

function recogniseEntry(e: NodeLogEntry): NodeLogEvent[] {
  const mod = moduleOf(e.logger);
  const at = e.time;
  const f = e.fields;
  const m = e.message;
  const raw = e.raw;
  const out: NodeLogEvent[] = [];

  if (mod === "atxBuilder") {
    if (m === "registered signing key") {
      const id = str(f.id);
      if (id && HEX6.test(id)) out.push({ kind: "registered", at, shortId: id.toLowerCase() });
      else if (id && HEX64.test(id)) out.push({ kind: "registered", at, shortId: id.slice(0, 6).toLowerCase() });
    } else if (m === "signing key already registered") {
      const id = str(f.id);
      if (id) out.push({ kind: "already-registered", at, shortId: id.slice(0, 6).toLowerCase() });
    } else if (m === "broadcasting ATX") {
      const atxId = str(f.atx_id);
      if (atxId) out.push({ kind: "atx-broadcast", at, atxId: atxId.toLowerCase(), raw, ...smesherIds(f) });
    } else if (m === "atx published") {
      // v1.6+: no smesher (joined through the broadcast's atx_id); v1.4/1.5: a full `smesher`
      const atxId = str(f.atx_id);
      if (atxId) out.push({ kind: "atx-published", at, atxId: atxId.toLowerCase(), raw, ...smesherIds(f) });
    } else if (m.startsWith("failed to generate initial proof")) {
      out.push({ kind: "initial-proof-failed", at, error: str(f.error) ?? m, nodeId: hex64(f.smesherID), raw });
    } else if (m.startsWith("failed to publish atx")) {
      out.push({ kind: "atx-publish-failed", at, error: str(f.error) ?? m, raw, ...smesherIds(f) });
    } else if (/^initial PoST is invalid/i.test(m)) {
      out.push({ kind: "initial-post-invalid", at, message: m, raw, ...smesherIds(f) });
    }
  } else if (mod === "postService") {
    if (m === "post service registered") {
      const nodeId = hex64(f.node_id);
      if (nodeId) out.push({ kind: "post-connected", at, nodeId });
    }
  } else if (mod === "nipostBuilder") {
    if (m === "post service not connected - waiting for reconnection") {
      const nodeId = hex64(f.smesherID);
      if (nodeId) out.push({ kind: "post-not-connected", at, nodeId, error: str(f.error) });
    } else if (m === "starting post execution") {
      out.push({ kind: "post-start", at, nodeId: hex64(f.smesherID), raw });
    } else if (m === "finished post execution") {
      const d = str(f.duration);
      const durationMs = d !== null ? parseGoDuration(d) : typeof f.duration === "number" ? f.duration / 1e6 : null;
      out.push({ kind: "post-finish", at, durationMs, nodeId: hex64(f.smesherID), raw });
    } else if (m === "challenge submitted to poet proving service") {
      out.push({ kind: "poet-registered", at, raw, ...smesherIds(f) });
    } else if (m === "got poet proof" || m === "selected the best proof") {
      out.push({ kind: "poet-proof", at, raw, ...smesherIds(f) });
    }
  }

  if (m.includes("failed proof verification")) {
    // a supervised post-service's stderr, re-logged by the node with the short smesherID
    out.push({ kind: "post-verification-failed", at, message: m, raw, ...smesherIds(f) });
  } else if (m === "smeshing not started, waiting to be triggered via smesher api") {
    out.push({ kind: "smeshing-not-started", at, raw });
  } else if (e.fatal || FATAL_TEXT.test(m)) {
    out.push({ kind: "node-fatal", at, message: startupMessage(e), raw });
  }

  // Identity loading and startup checks (node/node_identities.go, root logger or app logger).
  const v13 = V13_IDENTITY.exec(m);
  const version = APP_VERSION.exec(m);
  if (m === "Loaded existing identity" || m === "Created new identity") {
    out.push({
      kind: "identity-loaded",
      at,
      filename: str(f.filename) ?? "",
      publicKey: (str(f.public_key) ?? "").toLowerCase(),
      created: m === "Created new identity",
    });
  } else if (v13) {
    out.push({ kind: "identity-loaded", at, filename: "", publicKey: v13[1]!.toLowerCase(), created: false });
  } else if (version) {
    out.push({ kind: "node-version", at, version: version[1]! });
  } else if (/^Loaded \d+ identities from disk$/.test(m)) {
    out.push({ kind: "identities-loaded", at, count: Number(/\d+/.exec(m)![0]) });
  } else if (m === "coinbase account is not set, connections from remote post services will be rejected") {
    out.push({ kind: "coinbase-not-set", at });
  } else if (e.level === "ERROR" || e.level === "WARN") {
    const code = startupErrorCode(m);
    if (code) out.push({ kind: "startup-error", at, code, message: startupMessage(e) });
  }
  return out;
}

function startupMessage(e: NodeLogEntry): string {
  const keys = Object.keys(e.fields);
  return keys.length === 0 ? e.message : `${e.message} ${JSON.stringify(e.fields)}`;
}

/** The node's startup errors, by their wording (zap ERROR lines and cobra's `Error: …`). */
export function startupErrorCode(text: string): StartupErrorCode | null {
  if (/duplicate key/.test(text)) return "duplicate-key";
  if (/supervised key found in remote smeshing mode|Identities contain key for supervised smeshing \(local\.key\)/.test(text))
    return "supervised-key-remote";
  if (/smeshing enabled in remote setup|supervised smeshing cannot be started in a remote or multi-smeshing setup/.test(text))
    return "smeshing-remote";
  if (/smeshing enabled but no coinbase account provided/.test(text)) return "smeshing-no-coinbase";
  if (/getting exclusive file lock/.test(text)) return "file-lock";
  if (/loading identities: /.test(text) || /failed to construct identity /.test(text)) return "loading-identities";
  return null;
}

/** A line that starts a node run: the version banner and the welcome line come first. */
function isBanner(m: string): boolean {
  return APP_VERSION.test(m) || m.startsWith("Welcome to Spacemesh");
}

const QUIET_KINDS = new Set<NodeLogEvent["kind"]>(["identity-loaded", "identities-loaded", "node-version", "coinbase-not-set", "startup-error", "smeshing-not-started"]);

/**
 * Recognises events in a batch of lines. A node run starts with its banner (`App version: …`,
 * `Welcome to Spacemesh…`) or, in a log that lacks it, with its first `Loaded existing identity`
 * line; one start is counted per run even when both appear. State is kept across batches so that
 * a start block split over two batches counts once.
 */
export class NodeLogRecogniser {
  private lastWasIdentityLine = false;
  private startOpen = false; // a start was counted and the run has not shown activity since

  recognise(lines: NodeLogLine[]): NodeLogEvent[] {
    const out: NodeLogEvent[] = [];
    for (const line of lines) {
      if (!isEntry(line)) {
        const text = (line.text ?? line.unparsed).trim();
        // cobra prints the fatal startup error on stderr: `Error: loading identities: …`
        if (text.startsWith("Error: ")) {
          const code = startupErrorCode(text);
          if (code) out.push({ kind: "startup-error", at: null, code, message: text.slice("Error: ".length) });
          else out.push({ kind: "node-exit-error", at: null, message: text.slice("Error: ".length), raw: line.unparsed });
        } else if (FATAL_TEXT.test(text)) {
          out.push({ kind: "node-fatal", at: null, message: text, raw: line.unparsed });
        }
        continue;
      }
      const events = recogniseEntry(line);
      const isIdentity = events.some((e) => e.kind === "identity-loaded");
      if (isBanner(line.message)) {
        if (!this.startOpen) out.push({ kind: "node-start", at: line.time });
        this.startOpen = true;
      } else if (isIdentity && !this.lastWasIdentityLine && !this.startOpen) {
        out.push({ kind: "node-start", at: line.time });
        this.startOpen = true;
      }
      if (events.some((e) => !QUIET_KINDS.has(e.kind))) this.startOpen = false;
      this.lastWasIdentityLine = isIdentity;
      out.push(...events);
    }
    return out;
  }
}
