// Findings (pure): what needs attention on the rig and how to fix it, recomputed from the current
// inputs every time (never latched: a fixed problem disappears on the next computation). Titles use
// the node's own wording where it has one (docs/node-signals.md).
import type { Finding, IdentityView, Severity } from "../../protocol/model.js";
import type { JoinInput } from "./join.js";
import { isServiceUp } from "./join.js";
import { SUPERVISED_KEY_NAME } from "./key-file.js";
import type { NodeJsonConfig } from "./node-config.js";
import { addressReaches, isLoopbackHost, isWildcardHost, parseHostPort } from "./listen-address.js";
import { before, daemonAndAlertFindings, formerKeyFindings, nodeSourceFindings, predictedMissFindings, serviceStateFindings, within, type RigFindingsInput } from "./rig-findings.js";
import { nodeSignalFindings, type NodeSignalInput } from "./node-signal-findings.js";

export interface DiskUsage {
  path: string; // a PoS dir, the node's data folder, or the mount point holding them
  freeBytes: number;
  totalBytes: number;
}

export interface FindingsInput extends JoinInput, RigFindingsInput, NodeSignalInput {
  identities: IdentityView[];
  identitiesDir: string;
  identitiesDirMode: number | null; // permission bits; null = unknown / missing
  dataFolder: string;
  nodeConfig: NodeJsonConfig | null; // null = not configured or unreadable
  nodeConfigProblems: string[];
  coinbase: string | null; // from SmesherService.Coinbase; null = unknown
  postAddresses: { service: string; address: string }[]; // what each service dials (--address)
  disk: DiskUsage[];
  doneSince: Record<string, number>; // service → since when its operator API says DoneProving
  nodeReachable: boolean;
  /** Why PostStates failed on the post listener while the node answered on its public one; null = fine/unknown. */
  postListenerProblem?: string | null;
}

/** A `post service not connected` warning younger than this counts as current (the node repeats it every 20 s). */
export const NOT_CONNECTED_RECENT_MS = 90_000;
/** DoneProving while the node is IDLE for longer than this = a failed proof (post-rs keeps Done{Err}). */
export const STUCK_DONE_MS = 30_000;
/** `failed to generate initial proof` younger than this is current (retried every layer = 5 min). */
export const INITIAL_PROOF_FAILED_RECENT_MS = 15 * 60_000;

const GiB = 1024 ** 3;
/** A PoS volume with less free space than this gets a warning; below the critical figure an error. */
export const POS_VOLUME_LOW_BYTES = GiB;
export const POS_VOLUME_CRITICAL_BYTES = 64 * 1024 ** 2;

function f(id: string, severity: Severity, subject: string | null, title: string, detail: string, fix: string): Finding {
  return { id, severity, subject, title, detail, fix };
}

function q(path: string): string {
  return /^[A-Za-z0-9_./@:+-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
}

function fmtBytes(n: number): string {
  if (n >= 1024 ** 4) return `${(n / 1024 ** 4).toFixed(1)} TiB`;
  if (n >= GiB) return `${(n / GiB).toFixed(1)} GiB`;
  return `${Math.round(n / 1024 ** 2)} MiB`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** Remote (multi-identity) setup: post-services configured, several keys, or a key not named local.key. */
export function isRemoteSetup(input: Pick<FindingsInput, "keys" | "posDirs">): boolean {
  return input.posDirs.length > 0 || input.keys.length > 1 || input.keys.some((k) => k.name !== SUPERVISED_KEY_NAME);
}

function keyFindings(input: FindingsInput, out: Finding[]): void {
  const dir = input.identitiesDir;
  if (input.identitiesDirMode !== null && (input.identitiesDirMode & 0o077) !== 0) {
    out.push(
      f("identities-dir-permissions", "warning", null,
        `identities directory is readable by others (mode ${input.identitiesDirMode.toString(8).padStart(3, "0")})`,
        `${dir} holds private keys; it should be accessible by its owner only`,
        `chmod 700 ${q(dir)}`),
    );
  }
  const byId = new Map<string, string[]>();
  for (const k of input.keys) {
    if (!k.check.ok) {
      const p = k.check.problem;
      const lineEnd = /U\+000A|invalid key size 65\/64/.test(p);
      out.push(
        f("key-invalid", "error", k.name, p,
          `${k.path}: the node refuses to start with this file (loading identities: ${p})`,
          lineEnd
            ? `remove the line ending: truncate -s 128 ${q(k.path)} (the file must hold exactly 128 hex characters, no newline), then restart the node`
            : `the file must hold exactly the 128 hex characters of the identity.key postcli wrote; copy it again from the PoS directory, then restart the node`),
      );
    } else {
      byId.set(k.check.nodeId, [...(byId.get(k.check.nodeId) ?? []), k.name]);
    }
    if ((k.mode & 0o077) !== 0) {
      out.push(
        f("key-permissions", "warning", k.name,
          `key file is readable by others (mode ${k.mode.toString(8).padStart(3, "0")})`,
          `${k.path} is a private key`,
          `chmod 600 ${q(k.path)}`),
      );
    }
  }
  for (const [nodeId, names] of byId) {
    if (names.length < 2) continue;
    for (const name of names.slice(1)) {
      out.push(
        f("duplicate-key", "error", name, "duplicate key found in identity files",
          `duplicate key {"filename1": "${names[0]}", "filename2": "${name}", "public_key": "${nodeId.slice(0, 5)}"}: the node refuses to start`,
          `keep one file per identity: move ${q(`${dir}/${name}`)} or ${q(`${dir}/${names[0]}`)} out of ${dir} (both hold the same key), then restart the node`),
      );
    }
  }
  if (input.keys.length > 1 && input.keys.some((k) => k.name === SUPERVISED_KEY_NAME)) {
    out.push(
      f("local-key-in-remote", "error", SUPERVISED_KEY_NAME,
        "Identities contain key for supervised smeshing (local.key). This is not supported in remote smeshing.",
        `${dir} holds ${input.keys.length} keys, one named local.key: the node stops with "supervised key found in remote smeshing mode"`,
        `rename it to a unique name: mv ${q(`${dir}/local.key`)} ${q(`${dir}/post-local.key`)}, then restart the node`),
    );
  }
}

function identityFindings(input: FindingsInput, out: Finding[]): void {
  const logNotConnected = input.nodeLog?.notConnected;
  for (const id of input.identities) {
    const service = id.service ? input.services.find((s) => s.name === id.service) : undefined;
    const nc = id.nodeId ? logNotConnected?.get(id.nodeId) : undefined;
    // a warning counts while no later connection was seen
    const ncRecent = nc !== undefined && within(input, nc, NOT_CONNECTED_RECENT_MS) && id.connected !== true;
    // proving on demand: the orchestrator holds this service back until its disk is free (planned, not
    // a fault; the node's "not connected" warnings meanwhile are expected)
    const heldBack = service?.state === "stopped" && input.provingQueue?.has(id.keyFile) === true;
    if ((id.postState === "PROVING" || ncRecent) && !heldBack) {
      let why: string | null = null;
      let severity: Severity = "error";
      if (id.service && !isServiceUp(service)) why = `its post-service ${id.service} is ${service?.state ?? "not known to the supervisor"}`;
      else if (id.connected === false) why = id.service ? `its post-service ${id.service} is not connected to the node` : "no post-service is connected for it";
      else if (ncRecent) why = `the node logged "post service not connected - waiting for reconnection" at ${iso(nc)}`;
      else if (!id.service && id.connected === null) {
        why = "postdeck runs no post-service for it (unless one runs elsewhere, the proof will be missed)";
        severity = "warning";
      }
      if (why) {
        out.push(
          f("proving-service-down", severity, id.keyFile,
            `node is PROVING for ${id.keyFile} but ${why}`,
            ncRecent
              ? `node log at ${iso(nc)}: post service not connected - waiting for reconnection {"smesherID": "${id.nodeId}", "error": "post service not registered"}`
              : `PostStates: ${id.keyFile} is PROVING (the node wants its proof now; it waits for the post-service and retries)`,
            id.service && !isServiceUp(service)
              ? `start it now: postdeck start ${id.service} (the proof must be done within the cycle gap)`
              : id.service
                ? `check that ${id.service}'s --address reaches the node's grpc-post-listener and the node has a coinbase; see postdeck logs ${id.service}`
                : `add a post-service for this identity's PoS data (postdeck config) and start it`),
        );
      }
    }
    if (id.registered === "restart-needed" && id.keyProblem === null) {
      out.push(
        f("node-restart-needed", "warning", id.keyFile,
          `key ${id.keyFile} was added after the node started: the node has not loaded it`,
          `the node reads identities/ only at startup${id.shortId ? `; no "atxBuilder registered signing key {\\"id\\": \\"${id.shortId}\\"}" since the last start` : ""}`,
          `restart the node, then check its log for "atxBuilder registered signing key" with id ${id.shortId ?? "(the key's first 6 hex)"} for every key`),
      );
    }
    if (id.nodeId && !id.service && id.keyProblem === null) {
      out.push(
        f("key-without-service", "warning", id.keyFile,
          `no post-service is configured for ${id.keyFile}`,
          `none of the configured services' PoS dirs has NodeId ${id.shortId}… in postdata_metadata.json`,
          `add a service whose dir is this identity's PoS data (postdeck config), or, if its post-service runs on another machine, ignore this`),
      );
    }
  }
}

function serviceFindings(input: FindingsInput, out: Finding[]): void {
  serviceStateFindings(input, out);
  predictedMissFindings(input, out);
  formerKeyFindings(input, out);
  const keyIds = new Set(input.keys.flatMap((k) => (k.check.ok ? [k.check.nodeId] : [])));
  const firstServiceOf = new Map<string, string>();
  for (const p of input.posDirs) {
    const m = p.metadata;
    if (m && !m.ok) {
      out.push(
        f("pos-metadata-unreadable", "error", p.service,
          `post-service ${p.service} cannot start: loading POST metadata`,
          m.problem,
          m.missing
            ? `point ${p.service}'s dir at a PoS directory initialised with postcli (it must hold postdata_metadata.json)`
            : `restore ${p.dir}/postdata_metadata.json (it is written by postcli; do not edit it by hand)`),
      );
      continue;
    }
    if (!m?.ok) continue;
    const nodeId = m.meta.nodeId;
    const first = firstServiceOf.get(nodeId);
    if (first) {
      out.push(
        f("duplicate-service", "error", p.service,
          `services ${first} and ${p.service} prove for the same identity: post service already registered`,
          `${p.dir} has the NodeId of ${first}'s PoS data (${nodeId.slice(0, 6)}…); the node rejects the second connection`,
          `remove one of the two services from the config (postdeck config)`),
      );
    } else firstServiceOf.set(nodeId, p.service);
    if (!keyIds.has(nodeId)) {
      out.push(
        f("pos-without-key", "error", p.service,
          `PoS data of ${p.service} belongs to an identity with no key in identities/`,
          `${p.dir}/postdata_metadata.json: NodeId ${nodeId} matches no key file in ${input.identitiesDir}; the node will never ask for this proof`,
          `copy this identity's key (the identity.key postcli wrote beside the PoS data) to ${q(`${input.identitiesDir}/${p.service}.key`)}, chmod 600, then restart the node`),
      );
    }
    if (p.data?.state === "initialising") {
      const pct = p.data.bytesTotal > 0 ? Math.floor((100 * p.data.bytesPresent) / p.data.bytesTotal) : 0;
      out.push(
        f("pos-initialising", "warning", p.service,
          `PoS data of ${p.service} is still initialising (${pct}%)`,
          `${p.dir}: ${p.data.filesPresent}/${p.data.filesExpected} files, ${fmtBytes(p.data.bytesPresent)} of ${fmtBytes(p.data.bytesTotal)}${m.meta.nonce === null ? ", no nonce yet" : ""}; the post-service cannot prove before it is complete`,
          `let postcli finish (re-run it with the same -numUnits, -commitmentAtxId and -datadir to resume)`),
      );
    }
  }
  for (const s of input.services) {
    const since = input.doneSince[s.name];
    if (s.operator.kind !== "done" || since === undefined || before(input, since + STUCK_DONE_MS)) continue;
    const p = input.posDirs.find((d) => d.service === s.name);
    const nodeId = p?.metadata?.ok ? p.metadata.meta.nodeId : null;
    const state = nodeId ? input.postStates?.find((x) => x.nodeId === nodeId)?.state : undefined;
    if (state !== "IDLE") continue;
    const failure = input.serviceLogs[s.name]?.proofFailure;
    out.push(
      f("service-stuck-done", "error", s.name,
        `post-service ${s.name} is stuck in DoneProving while the node is IDLE: its proof failed`,
        failure ? `service log: ${failure}` : `operator /status has said "DoneProving" since ${iso(since)}; post-service keeps a failed proof until restarted`,
        `restart it: postdeck restart ${s.name}; if it fails again, check the PoS data: postcli -verify -datadir ${q(s.dir)} -fraction 0.1`),
    );
  }
}

function configFindings(input: FindingsInput, out: Finding[]): void {
  daemonAndAlertFindings(input, out);
  nodeSourceFindings(input, out);
  for (const p of input.nodeConfigProblems) {
    out.push(f("node-config-problem", "warning", null, "cannot use the node config", p, "fix the node's JSON config (or node.config in postdeck's config)"));
  }
  const cfg = input.nodeConfig;
  const remote = isRemoteSetup(input);
  if (cfg && remote && cfg.smeshingStart === true) {
    out.push(
      f("smeshing-start-remote", "error", null,
        "supervised smeshing cannot be started in a remote or multi-smeshing setup",
        `${cfg.file}: smeshing.smeshing-start is true, but post-services run separately; the node stops with "smeshing enabled in remote setup"`,
        `set "smeshing": {"smeshing-start": false} in ${cfg.file}, then restart the node`),
    );
  }
  const noCoinbase =
    input.coinbase !== null ? input.coinbase === "" : cfg ? cfg.coinbase === null : input.nodeLog?.coinbaseNotSetAt != null;
  if (noCoinbase && remote) {
    out.push(
      f("no-coinbase", "error", null,
        "connection not allowed: node has no coinbase set in config",
        `${cfg ? `${cfg.file}: smeshing.smeshing-coinbase is not set` : "the node reports no coinbase"}; the node rejects every post-service connection`,
        `set "smeshing": {"smeshing-coinbase": "sm1…your address"} in ${cfg?.file ?? "the node's config"}, then restart the node`),
    );
  }
  if (cfg && remote) {
    const listen = cfg.listeners.post;
    const hp = listen ? parseHostPort(listen) : null;
    if (!hp || hp.port === 0) {
      out.push(
        f("post-listener-random", "error", null,
          listen ? `grpc-post-listener ${listen} is a random port: post-services cannot find the node` : "grpc-post-listener is not set: the node listens on a random port",
          `${cfg.file}: api.grpc-post-listener ${listen ? `= "${listen}"` : "is unset (default 127.0.0.1:0 since go-spacemesh v1.4.2)"}; remote post-services get "connection refused"`,
          `set "api": {"grpc-post-listener": "127.0.0.1:9094"} in ${cfg.file} (0.0.0.0:9094 for services on other machines), set node.grpc.post to the same address in postdeck's config, then restart the node`),
      );
    } else {
      for (const pa of input.postAddresses) {
        const dial = parseHostPort(pa.address);
        if (dial && addressReaches(dial, hp)) continue;
        out.push(
          f("post-listener-mismatch", "error", pa.service,
            `post-service ${pa.service} dials ${pa.address}, but the node's grpc-post-listener is ${listen}`,
            `${cfg.file}: api.grpc-post-listener = "${listen}"; the service's --address does not reach it`,
            `set node.grpc.post in postdeck's config to ${isWildcardHost(hp.host) ? `127.0.0.1:${hp.port}` : `${hp.host}:${hp.port}`} (or change the listener), then restart the service`),
        );
      }
      if (!isLoopbackHost(hp.host) && !cfg.listeners.tls) {
        out.push(
          f("post-listener-no-tls", "warning", null,
            `grpc-post-listener ${listen} is reachable from the network without TLS`,
            `${cfg.file}: the post listener is plaintext; anyone who reaches port ${hp.port} can connect as a post-service or read PostStates`,
            `bind it to 127.0.0.1 when the services run on this machine, or use grpc-tls-listener with grpc-tls-ca-cert/-cert/-key (mTLS) for remote services`),
        );
      }
    }
  }
}

function postListenerFindings(input: FindingsInput, out: Finding[]): void {
  const problem = input.postListenerProblem;
  if (!problem || input.posDirs.length === 0) return;
  const dialled = [...new Set(input.postAddresses.map((a) => a.address))].join(", ");
  out.push(
    f("post-listener-unreachable", "error", null,
      "the node answers, but not on the post listener the services use",
      `${problem}${dialled ? `; services dial ${dialled}` : ""}`,
      `make node.grpc.post in postdeck's config match api.grpc-post-listener in the node config (a fixed port, e.g. 127.0.0.1:9094), then restart the node and the services`),
  );
}

/**
 * The findings about free space (node volume, PoS volumes): the node monitor asks for these alone
 * when a new disk sample comes, and recomputes everything only when they changed (free space moves
 * at every sample on a volume something writes to; these speak of it only near a limit).
 */
export function diskFindings(input: Pick<FindingsInput, "disk" | "dataFolder" | "posDirs">, out: Finding[] = []): Finding[] {
  const usageOf = (p: string): DiskUsage | null => {
    let best: DiskUsage | null = null;
    for (const d of input.disk) {
      const prefix = d.path.endsWith("/") ? d.path : `${d.path}/`;
      if ((p === d.path || p.startsWith(prefix)) && (!best || d.path.length > best.path.length)) best = d;
    }
    return best;
  };
  const reported = new Set<string>();
  const report = (u: DiskUsage, severity: Severity, subject: string | null, title: string, detail: string, fix: string) => {
    if (reported.has(u.path)) return;
    reported.add(u.path);
    out.push(f("disk-nearly-full", severity, subject, title, detail, fix));
  };
  const node = usageOf(input.dataFolder);
  if (node && node.totalBytes > 0) {
    const ratio = node.freeBytes / node.totalBytes;
    if (node.freeBytes < 2 * GiB || ratio < 0.05) {
      report(node, node.freeBytes < 2 * GiB ? "error" : "warning", null,
        `node volume nearly full: ${fmtBytes(node.freeBytes)} free of ${fmtBytes(node.totalBytes)}`,
        `${node.path} holds the node's data folder ${input.dataFolder}; the node's database keeps growing`,
        `free space on ${node.path} or move the data folder to a larger volume`);
    }
  }
  for (const p of input.posDirs) {
    const u = usageOf(p.dir);
    if (!u) continue;
    const remaining = p.data && p.data.state === "initialising" ? Math.max(0, p.data.bytesTotal - p.data.bytesPresent) : 0;
    if (remaining > 0 && u.freeBytes < remaining) {
      report(u, "error", p.service,
        `not enough space to finish the PoS data of ${p.service}: ${fmtBytes(u.freeBytes)} free, ${fmtBytes(remaining)} still to write`,
        `${p.dir} on ${u.path}`,
        `free ${fmtBytes(remaining - u.freeBytes)} on ${u.path}, or initialise fewer units`);
    } else if (u.freeBytes < POS_VOLUME_LOW_BYTES) {
      if (reported.has(u.path)) continue;
      reported.add(u.path);
      out.push(
        f("pos-volume-nearly-full", u.freeBytes < POS_VOLUME_CRITICAL_BYTES ? "error" : "warning", p.service,
          `PoS volume nearly full: ${fmtBytes(u.freeBytes)} free on ${u.path}`,
          `${p.dir} (${p.service}) is on ${u.path}, ${fmtBytes(u.freeBytes)} free of ${fmtBytes(u.totalBytes)}; postdata_metadata.json is rewritten in place and post-service writes its logs there: a full volume makes that fail`,
          `free at least ${fmtBytes(POS_VOLUME_LOW_BYTES)} on ${u.path} (remove files that are not PoS data; never delete postdata_*.bin)`),
      );
    }
  }
  return out;
}

function nodeFindings(input: FindingsInput, out: Finding[]): void {
  nodeSignalFindings(input, out);
  const log = input.nodeLog;
  if (!log) return;
  const last = log.startupErrors[log.startupErrors.length - 1];
  if (last && !input.nodeReachable && last.code !== "duplicate-key" && last.code !== "supervised-key-remote") {
    const fixes: Record<string, string> = {
      "file-lock": "another go-spacemesh is running with this data folder: stop it (only one node per data folder)",
      "loading-identities": "fix the key file it names (see the key findings), then start the node",
      "smeshing-remote": "set smeshing.smeshing-start to false in the node config, then start the node",
      "smeshing-no-coinbase": "set smeshing.smeshing-coinbase in the node config, then start the node",
    };
    out.push(
      f("node-startup-error", "error", null, last.message, `node log at ${iso(last.at)}: the node stopped while starting`,
        fixes[last.code] ?? "fix the cause named in the message, then start the node"),
    );
  }
  const ipf = log.initialProofFailed;
  if (ipf && within(input, ipf.at, INITIAL_PROOF_FAILED_RECENT_MS)) {
    const id = ipf.nodeId ? input.identities.find((i) => i.nodeId === ipf.nodeId) : undefined;
    out.push(
      f("initial-proof-failed", "error", id?.keyFile ?? null, `failed to generate initial proof: ${ipf.error}`,
        `node log at ${iso(ipf.at)} (retried every layer); a post-service reported an error, often invalid or corrupted PoS data`,
        `check the post-service log for "failed proof verification"; verify the PoS data: postcli -verify -datadir <dir> -fraction 0.1`),
    );
  }
  for (const e of input.events) {
    if (e.kind !== "malfeasance") continue;
    const id = input.identities.find((i) => i.nodeId === e.smesher);
    out.push(
      f("malfeasance", "error", id?.keyFile ?? null, "Node committed malicious behavior. Identity will be canceled.",
        `AdminService event at ${iso(e.at)} for ${e.smesher ?? "an identity"} — usually the same key running on two nodes`,
        "make sure no other node runs with this key (DO NOT run multiple nodes with the same identity)"),
    );
  }
}

const ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/** All findings for the current inputs, errors first. */
export function computeFindings(input: FindingsInput): Finding[] {
  const out: Finding[] = [];
  keyFindings(input, out);
  identityFindings(input, out);
  serviceFindings(input, out);
  configFindings(input, out);
  postListenerFindings(input, out);
  diskFindings(input, out);
  nodeFindings(input, out);
  return out.map((x, i) => ({ x, i })).sort((a, b) => ORDER[a.x.severity] - ORDER[b.x.severity] || a.i - b.i).map((a) => a.x);
}

/** Fills each identity's `findings` with the ids of findings about it (its key file or its service). */
export function attachFindings(identities: IdentityView[], findings: Finding[]): IdentityView[] {
  // by subject once (was every finding for every identity: 64 × ~70 at rest)
  const bySubject = new Map<string, Finding[]>();
  for (const x of findings) if (x.subject !== null) bySubject.set(x.subject, [...(bySubject.get(x.subject) ?? []), x]);
  return identities.map((id) => {
    const own = bySubject.get(id.keyFile) ?? [];
    const svc = id.service !== null && id.service !== id.keyFile ? (bySubject.get(id.service) ?? []) : [];
    const ids = own.length + svc.length === 0 ? [] : [...new Set(findings.filter((x) => own.includes(x) || svc.includes(x)).map((x) => x.id))];
    return { ...id, findings: ids };
  });
}
