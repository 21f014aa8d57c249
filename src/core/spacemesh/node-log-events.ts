// The go-spacemesh log lines that matter for post-services (facts.md §3.1, §3.2, §3.5), recognised by
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

export type StartupErrorCode =
  | "duplicate-key"
  | "supervised-key-remote"
  | "smeshing-remote"
  | "smeshing-no-coinbase"
  | "file-lock"
  | "loading-identities";

export type NodeLogEvent =
  | { kind: "identity-loaded"; at: number | null; filename: string; publicKey: string; created: boolean }
  | { kind: "identities-loaded"; at: number | null; count: number }
  | { kind: "node-start"; at: number | null }
  | { kind: "registered"; at: number | null; shortId: string }
  | { kind: "already-registered"; at: number | null; shortId: string }
  | { kind: "post-connected"; at: number | null; nodeId: string }
  | { kind: "post-not-connected"; at: number | null; nodeId: string; error: string | null }
  | { kind: "post-start"; at: number | null; nodeId: string | null }
  | { kind: "post-finish"; at: number | null; nodeId: string | null }
  | { kind: "atx-broadcast"; at: number | null; atxId: string; nodeId: string | null }
  | { kind: "atx-published"; at: number | null; atxId: string }
  | { kind: "initial-proof-failed"; at: number | null; error: string; nodeId: string | null }
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

function recogniseEntry(e: NodeLogEntry): NodeLogEvent[] {
  const mod = moduleOf(e.logger);
  const at = e.time;
  const f = e.fields;
  const m = e.message;
  const out: NodeLogEvent[] = [];

  if (mod === "atxBuilder") {
    if (m === "registered signing key") {
      const id = str(f.id);
      if (id && HEX6.test(id)) out.push({ kind: "registered", at, shortId: id.toLowerCase() });
    } else if (m === "signing key already registered") {
      const id = str(f.id);
      if (id) out.push({ kind: "already-registered", at, shortId: id.toLowerCase() });
    } else if (m === "broadcasting ATX") {
      const atxId = str(f.atx_id);
      if (atxId) out.push({ kind: "atx-broadcast", at, atxId, nodeId: hex64(f.smesherID) });
    } else if (m === "atx published") {
      const atxId = str(f.atx_id);
      if (atxId) out.push({ kind: "atx-published", at, atxId });
    } else if (m.startsWith("failed to generate initial proof")) {
      out.push({ kind: "initial-proof-failed", at, error: str(f.error) ?? m, nodeId: hex64(f.smesherID) });
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
      out.push({ kind: "post-start", at, nodeId: hex64(f.smesherID) });
    } else if (m === "finished post execution") {
      out.push({ kind: "post-finish", at, nodeId: hex64(f.smesherID) });
    }
  }

  // Identity loading and startup checks (node/node_identities.go, root logger or app logger).
  if (m === "Loaded existing identity" || m === "Created new identity") {
    out.push({
      kind: "identity-loaded",
      at,
      filename: str(f.filename) ?? "",
      publicKey: str(f.public_key) ?? "",
      created: m === "Created new identity",
    });
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

/** Startup errors of facts.md §3.2, by their wording (zap ERROR lines and cobra's `Error: …`). */
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

/**
 * Recognises events in a batch of lines. Keeps `prevIdentityLine` across batches through `state`
 * so that a start block split over two batches counts once.
 */
export class NodeLogRecogniser {
  private lastWasIdentityLine = false;

  recognise(lines: NodeLogLine[]): NodeLogEvent[] {
    const out: NodeLogEvent[] = [];
    for (const line of lines) {
      if (!isEntry(line)) {
        // cobra prints the fatal startup error on stderr: `Error: loading identities: …`
        const text = line.unparsed.trim();
        if (text.startsWith("Error: ")) {
          const code = startupErrorCode(text);
          if (code) out.push({ kind: "startup-error", at: null, code, message: text.slice("Error: ".length) });
        }
        continue;
      }
      const events = recogniseEntry(line);
      const isIdentity = events.some((e) => e.kind === "identity-loaded");
      if (isIdentity && !this.lastWasIdentityLine) out.push({ kind: "node-start", at: line.time });
      this.lastWasIdentityLine = isIdentity;
      out.push(...events);
    }
    return out;
  }
}
