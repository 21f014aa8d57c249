// Findings about the processes and sources around the identities (pure): a post-service that is not
// running (while the node needs it, or while nobody asked it to stop), the node log, the node's gRPC
// listeners, sync and peers, the node still asking for a key that is retired, rolled back or gone,
// the daemon itself (when doctor runs without one) and alert sinks that fail. Called from
// findings.ts; every input here is optional so a caller that lacks one gets no finding from it.
import path from "node:path";
import type { Finding, IdentityView, ServiceView, Severity, SourceStatus } from "../../protocol/model.js";
import type { NodeStatusInfo } from "./node-grpc.js";
import type { NodeLogFacts } from "./node-log-state.js";
import { formatLateness } from "../../presentation/units.js";
import { FEW_PEERS, fewPeersText, notSyncedText } from "../../presentation/node-figure-findings.js";

/** A key the node may still hold although it is no longer in identities/ (retired or rolled back). */
export interface FormerKey {
  file: string; // path, e.g. <identities>/retired/post3.key or …/post3.key.rolled-back-1700000000000
  nodeId: string; // 64 hex
}

export interface AlertSinkHealth {
  name: string;
  failingSince: number;
  failures: number; // consecutive
  lastError: string;
  queued: number; // alerts waiting for it
  dropped: number; // alerts dropped because its queue was full
}

export interface RigFindingsInput {
  /**
   * Whether the node needs this identity's post-service now. Default: the node's PostStates says
   * PROVING. Later inputs (the cycle gap is open, on-demand mode will start it) plug in here.
   */
  needsService?: (identity: IdentityView) => boolean;
  /** The node's NodeService.Status; null = not answered (see sources). */
  nodeStatus?: NodeStatusInfo | null;
  /** The monitor's sources (node-log, grpc-public, grpc-private, grpc-post, …). */
  sources?: SourceStatus[];
  /** The node log postdeck follows: its path and why it cannot be read (null = readable). */
  nodeLogFile?: { path: string; problem: string | null } | null;
  /** Keys found in identities/retired/ (retired or rolled back). */
  formerKeys?: FormerKey[];
  /** Set when the findings come from files only (no daemon): why the daemon is not there. */
  daemonDown?: string | null;
  alertSinks?: AlertSinkHealth[];
  /**
   * Proving on demand: key file → why the orchestrator holds its post-service back for now (its
   * disk is busy, RAM, maxConcurrent). Such a service is down on purpose, not a fault.
   */
  provingQueue?: Map<string, string>;
  /** The proving plan's identities that would finish after the cycle gap closes. */
  predictedMisses?: { keyFile: string; missByMs: number; reason: string | null; fix: string | null }[];
  /**
   * Told, by every check that compares an input's time with `now`, when its answer flips (a warning
   * ages out, a start grace ends): the findings computed at `now` hold until the earliest of these.
   * The NodeMonitor recomputes then, not on a fixed beat. Absent: nobody asks.
   */
  expires?: (at: number) => void;
}

type Timed = { now: number; expires?: (at: number) => void };

/** A time-dependent check's answer flips at `at`: tells input.expires (when it is still ahead). */
export function until(input: Timed, at: number): void {
  if (at > input.now) input.expires?.(at);
}

/** now < at, telling input.expires when it stops being so. */
export function before(input: Timed, at: number): boolean {
  until(input, at);
  return input.now < at;
}

/** now − at ≤ windowMs (something that young counts), telling input.expires when it stops counting. */
export function within(input: Timed, at: number, windowMs: number): boolean {
  until(input, at + windowMs + 1);
  return input.now - at <= windowMs;
}

/** A node that started less than this ago and does not answer yet is starting, not down. */
export const NODE_STARTING_MS = 90_000;

export { FEW_PEERS };

type Input = RigFindingsInput & {
  now: number;
  nodeStartedAt: number | null;
  identities: IdentityView[];
  services: ServiceView[];
  nodeLog: NodeLogFacts | null;
  identitiesDir: string;
  posDirs: { service: string }[];
  keys: { check: { ok: true; nodeId: string } | { ok: false; problem: string } }[];
};

function f(id: string, severity: Severity, subject: string | null, title: string, detail: string, fix: string): Finding {
  return { id, severity, subject, title, detail, fix };
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function defaultNeedsService(identity: IdentityView): boolean {
  return identity.postState === "PROVING";
}

const DOWN_STATES = new Set(["failed", "backoff", "stopped"]);

function exitEvidence(s: ServiceView): string {
  const parts: string[] = [];
  if (s.reason) parts.push(s.reason);
  else if (s.lastExit) parts.push(`last exit at ${iso(s.lastExit.at)} (${s.lastExit.signal ?? `code ${s.lastExit.code}`})`);
  if (s.restarts > 0) parts.push(`${s.restarts} restart(s) so far`);
  if (s.state === "backoff" && s.nextRestartAt) parts.push(`next try at ${iso(s.nextRestartAt)}`);
  return parts.join("; ");
}

function downFix(s: ServiceView): string {
  if (s.state === "backoff") return `it keeps exiting: read its log (postdeck logs ${s.name}), fix the cause, then postdeck restart ${s.name}`;
  if (s.state === "failed")
    return /not found|ENOENT|not executable|EACCES/i.test(s.reason ?? "")
      ? `the binary cannot be run: fix its path (binary in postdeck's config; postdeck config check), then postdeck start ${s.name}`
      : `read its log (postdeck logs ${s.name}), fix the cause, then postdeck start ${s.name}`;
  return `start it: postdeck start ${s.name}`;
}

/**
 * A post-service that is not running. While the node needs it (needsService): error. Otherwise
 * only when nobody asked it to stop (failed, crash-looping, or exited on its own): failed is an
 * error (nothing will restart it), backoff and exited-on-its-own are warnings.
 */
export function serviceStateFindings(input: Input, out: Finding[]): void {
  const needs = input.needsService ?? defaultNeedsService;
  for (const s of input.services) {
    if (!DOWN_STATES.has(s.state)) continue;
    const identity = input.identities.find((i) => i.service === s.name);
    // held back by the orchestrator until its disk is free: down on purpose (a predicted miss is its own finding)
    if (identity && s.state === "stopped" && input.provingQueue?.has(identity.keyFile)) continue;
    const needed = identity !== undefined && needs(identity);
    const evidence = exitEvidence(s);
    if (needed) {
      // identityFindings already says "node is PROVING for <key> but its post-service is <state>": one finding, not two
      if (out.some((x) => x.id === "proving-service-down" && x.subject === identity.keyFile)) continue;
      out.push(
        f("service-needed-down", "error", s.name,
          `post-service ${s.name} is ${s.state} while the node needs it for ${identity.keyFile}`,
          `supervisor: ${s.name} ${s.state}${evidence ? ` — ${evidence}` : ""}; the proof must be done within the cycle gap`,
          downFix(s)),
      );
      continue;
    }
    const unasked = s.state === "failed" || s.state === "backoff" || (s.state === "stopped" && s.reason !== null);
    if (!unasked) continue;
    out.push(
      f("service-not-running", s.state === "failed" ? "error" : "warning", s.name,
        s.state === "failed"
          ? `post-service ${s.name} failed and will not be restarted`
          : s.state === "backoff"
            ? `post-service ${s.name} keeps exiting (restarting with backoff)`
            : `post-service ${s.name} exited and nobody asked it to stop`,
        `supervisor: ${s.name} ${s.state}${evidence ? ` — ${evidence}` : ""}${identity ? `; it proves for ${identity.keyFile}` : ""}`,
        downFix(s)),
    );
  }
}

function source(input: Input, name: string): SourceStatus | undefined {
  return input.sources?.find((s) => s.name === name);
}

/** grpc-js error text of a port that answered but not with gRPC (HTTP/1, TLS, another protocol). */
export function looksNotGrpc(error: string): boolean {
  return /Protocol error|Received HTTP status code|Malformed|unexpected HTTP|HTTP\/1|Unexpected.*frame|http2.*(error|bad)|Bad Request|wrong version number|ERR_HTTP2|PROTOCOL_ERROR/i.test(error);
}

/** The node log, the node's gRPC listeners, sync and peers. */
export function nodeSourceFindings(input: Input, out: Finding[]): void {
  const lf = input.nodeLogFile;
  if (lf && lf.problem) {
    out.push(
      f("node-log-unreadable", "warning", null,
        `cannot read the node log ${lf.path}`,
        `${lf.problem}; without it postdeck does not see registrations, "post service not connected" warnings or startup errors`,
        `point node.log.file in postdeck's config at the file the node writes (e.g. go-spacemesh … > ${lf.path} 2>&1), or make it readable by this user`),
    );
  }
  const pub = source(input, "grpc-public");
  if (pub && !pub.live && pub.error) {
    if (looksNotGrpc(pub.error)) {
      out.push(
        f("node-not-grpc", "error", null,
          "the node's public gRPC address answers, but not with gRPC",
          `NodeService.Status: ${pub.error}`,
          "point node.grpc.public in postdeck's config at the node's grpc-public-listener (api.grpc-public-listener in the node config, default 0.0.0.0:9092), not at another port"),
      );
    } else if (input.nodeStartedAt !== null && before(input, input.nodeStartedAt + NODE_STARTING_MS)) {
      out.push(
        f("node-unreachable", "info", null,
          "the node is starting: its public gRPC listener does not answer yet",
          `NodeService.Status: ${pub.error}; the node started at ${iso(input.nodeStartedAt)}`,
          "wait a minute; if it does not answer then, read its log (postdeck logs node)"),
      );
    } else {
      out.push(
        f("node-unreachable", input.posDirs.length > 0 ? "error" : "warning", null,
          "the node does not answer on its public gRPC listener",
          `NodeService.Status: ${pub.error}`,
          "start the node (or check that it runs), and that node.grpc.public in postdeck's config matches api.grpc-public-listener in the node config"),
      );
    }
  }
  for (const name of ["grpc-private", "grpc-post"]) {
    const s = source(input, name);
    if (s && !s.live && s.error && looksNotGrpc(s.error)) {
      out.push(
        f("node-not-grpc", "error", null,
          `the node's ${name === "grpc-post" ? "post" : "private"} gRPC address answers, but not with gRPC`,
          `${name === "grpc-post" ? "PostInfoService.PostStates" : "SmesherService"}: ${s.error}`,
          `point node.grpc.${name === "grpc-post" ? "post" : "private"} in postdeck's config at the node's ${name === "grpc-post" ? "grpc-post-listener" : "grpc-private-listener"}`),
      );
      break;
    }
  }
  const st = input.nodeStatus;
  if (st) {
    if (!st.synced) {
      out.push(
        f("node-not-synced", "warning", null, notSyncedText(st).title, notSyncedText(st).detail,
          "wait for it to catch up after a start; if it stays behind, check its peers, disk and clock (timedatectl)"),
      );
    }
    if (st.peers < FEW_PEERS) {
      out.push(
        f("node-few-peers", "warning", null, fewPeersText(st.peers).title, fewPeersText(st.peers).detail,
          "check the node's network: its p2p port (7513 by default) reachable, outbound traffic allowed, p2p.bootnodes in its config"),
      );
    }
  }
}

/**
 * `post service not connected … {"smesherID": …}` for an id that matches no current key: the node
 * still holds a key that was retired, rolled back or deleted (it reads identities/ only at start).
 */
export function formerKeyFindings(input: Input, out: Finding[]): void {
  const log = input.nodeLog;
  if (!log) return;
  const current = input.keys.flatMap((k) => (k.check.ok ? [k.check.nodeId] : []));
  for (const [logged, at] of log.notConnected) {
    if (!within(input, at, 90_000)) continue;
    const id = logged.toLowerCase();
    if (current.some((c) => c.startsWith(id) || id.startsWith(c))) continue;
    const former = (input.formerKeys ?? []).find((k) => k.nodeId.startsWith(id) || id.startsWith(k.nodeId));
    const short = id.slice(0, 6);
    const what = former
      ? /\.rolled-back-\d+$/.test(former.file)
        ? `rolled back (its key is now ${former.file})`
        : `retired (its key is now ${former.file})`
      : `not in ${input.identitiesDir} any more (no retired copy either)`;
    out.push(
      f("node-uses-former-key", "error", null,
        `the node still asks for identity ${short}, which is ${former ? (/rolled-back/.test(former.file) ? "rolled back" : "retired") : "gone"}`,
        `node log at ${iso(at)}: post service not connected - waiting for reconnection {"smesherID": "${logged}"}; identity ${short} is ${what}`,
        `restart the node so it loads only the keys in ${input.identitiesDir}${former ? "" : `; if that identity should still smesh, put its key back in ${input.identitiesDir} (${path.join(input.identitiesDir, "<name>.key")}, chmod 600) first`}`),
    );
  }
}

export function daemonAndAlertFindings(input: Input, out: Finding[]): void {
  if (input.daemonDown) {
    out.push(
      f("daemon-down", "error", null,
        "the postdeck daemon is not running: no one restarts services or sends alerts",
        input.daemonDown,
        "start it: postdeck daemon start (or at boot: postdeck systemd install); post-services that run keep running"),
    );
  }
  for (const s of input.alertSinks ?? []) {
    out.push(
      f("alert-sink-failing", "warning", `alerts:${s.name}`,
        `alert sink ${s.name} fails: alerts to it are not delivered`,
        `${s.failures} failed attempt(s) since ${iso(s.failingSince)}: ${s.lastError}; ${s.queued} alert(s) waiting${s.dropped ? `, ${s.dropped} dropped (queue full)` : ""}`,
        `check the sink in postdeck.yaml (alerts.sinks, name ${s.name}), then: postdeck alerts test`),
    );
  }
}

/** Identities the proving plan says would finish after the cycle gap closes. */
export function predictedMissFindings(input: Input, out: Finding[]): void {
  for (const m of input.predictedMisses ?? []) {
    out.push(
      f("proof-predicted-miss", "warning", m.keyFile,
        `${m.keyFile}'s proof would finish about ${formatLateness(m.missByMs)} after the cycle gap closes`,
        `proving plan (postdeck plan): ${m.reason ?? "its disk's queue is longer than the gap"}`,
        m.fix ?? "spread this disk's identities over more disks, or lower the work per proof (nonces, threads)"),
    );
  }
}
