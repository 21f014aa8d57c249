// Where an on-demand round's time goes, per simulated disk: each read's span from the simulated
// post-services' own disk leases (sim-disks/<disk>/<pid>, written with the read's start in ms and
// removed at its end; sampled every 100 ms, so an end is known within ±50 ms), each reader's process
// start (/proc), and its connection to the node (the node's `post service registered`, ms). A
// hand-over is a read's end to the next read's start on the same disk, split into: the end until
// the next prover was started (negative: it was started before, staged), its start until the node
// had it registered (start-up, connection), and from there until it read (the node's ask, k2pow).
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

const CLK_TCK = 100;

/** Epoch ms at which a pid started, or null (from /proc/<pid>/stat's start time and /proc/uptime). */
function processStartMs(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, "utf8");
    const ticks = Number(s.slice(s.lastIndexOf(")") + 2).split(" ")[22 - 3]);
    const uptimeS = Number(readFileSync("/proc/uptime", "utf8").split(" ")[0]);
    return Date.now() - uptimeS * 1000 + (ticks / CLK_TCK) * 1000;
  } catch {
    return null;
  }
}

/** The simulated post-service's name (its PoS dir's, postN) from its argv, or null. */
function serviceOf(pid) {
  try {
    const m = /\/(post\d+)(?:\0|\/)/.exec(readFileSync(`/proc/${pid}/cmdline`, "utf8"));
    return m ? m[1] : null;
  } catch {
    return null;
  }
}

/** Samples the rig's read leases every intervalMs; stop() returns the spans seen: { disk, pid, service, from, to, startedAt }. */
export function sampleReadSpans(rigDir, intervalMs = 100) {
  const base = path.join(rigDir, "sim-disks");
  const open = new Map(); // disk/pid → span
  const spans = [];
  const tick = () => {
    const now = Date.now();
    const seen = new Set();
    let disks = [];
    try {
      disks = readdirSync(base);
    } catch {
      /* no reads yet */
    }
    for (const disk of disks) {
      let files = [];
      try {
        files = readdirSync(path.join(base, disk));
      } catch {
        continue;
      }
      for (const f of files) {
        const key = `${disk}/${f}`;
        seen.add(key);
        if (open.has(key)) {
          open.get(key).lastSeen = now;
          continue;
        }
        let from = now;
        try {
          from = Number(readFileSync(path.join(base, disk, f), "utf8").trim()) || now;
        } catch {
          /* removed meanwhile */
        }
        open.set(key, { disk, pid: Number(f), from, lastSeen: now, startedAt: processStartMs(Number(f)), service: serviceOf(Number(f)) });
      }
    }
    for (const [key, s] of open) {
      if (seen.has(key)) continue;
      open.delete(key);
      spans.push({ ...s, to: (s.lastSeen + now) / 2 });
    }
  };
  const t = setInterval(tick, intervalMs);
  return {
    stop() {
      clearInterval(t);
      tick();
      for (const s of open.values()) spans.push({ ...s, to: s.lastSeen });
      return spans;
    },
  };
}

/** span → when the node registered its post-service last before its read (the node logs the id its `obtained metadata` line names), or null. */
export function registrations(logsDir) {
  const byId = new Map(); // node id hex → [ms]
  for (const l of readLines(path.join(logsDir, "node.log"))) {
    if (!l.includes("post service registered")) continue;
    const m = /"node_id": "([0-9a-f]{64})"/.exec(l);
    if (m) byId.set(m[1], [...(byId.get(m[1]) ?? []), Date.parse(l.split("\t")[0])]);
  }
  const idOf = new Map(); // service → node id hex
  for (const f of readdirSync(logsDir).filter((x) => /^post\d+\.log$/.test(x))) {
    const line = readLines(path.join(logsDir, f)).find((l) => l.includes("obtained metadata"));
    const m = line && /node_id: \[([\d, ]+)\]/.exec(line);
    if (m) idOf.set(f.replace(/\.log$/, ""), Buffer.from(m[1].split(",").map(Number)).toString("hex"));
  }
  return (span) => {
    const ats = (byId.get(idOf.get(span.service) ?? "") ?? []).filter((at) => at <= span.from && (span.startedAt === null || at >= span.startedAt - 1000));
    return ats.length ? Math.max(...ats) : null;
  };
}

function readLines(file) {
  try {
    return readFileSync(file, "utf8").split("\n");
  } catch {
    return [];
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? null : s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * A round's breakdown: the first read's start after t0 (median over disks), the hand-overs (median,
 * and each part's median), the last read's end to the round's end, for the disk that finished last.
 */
export function breakdown(spans, t0, endAt, registeredAt) {
  const byDisk = new Map();
  for (const s of spans.filter((x) => x.from >= t0 - 1000 && x.from <= endAt)) byDisk.set(s.disk, [...(byDisk.get(s.disk) ?? []), s]);
  const handovers = [];
  const firsts = [];
  let last = null;
  for (const reads of byDisk.values()) {
    reads.sort((a, b) => a.from - b.from);
    firsts.push(reads[0].from - t0);
    for (let k = 1; k < reads.length; k++) {
      const a = reads[k - 1];
      const b = reads[k];
      const reg = registeredAt(b);
      handovers.push({
        gap: b.from - a.to,
        toStart: b.startedAt !== null ? b.startedAt - a.to : null,
        toConnect: reg !== null && b.startedAt !== null ? reg - b.startedAt : null,
        toRead: reg !== null ? b.from - reg : null,
      });
    }
    const end = reads.at(-1).to;
    if (last === null || end > last.end) last = { end, disk: reads[0].disk, readS: reads.reduce((x, r) => x + (r.to - r.from), 0) / 1000 };
  }
  const med = (k) => median(handovers.map((h) => h[k]).filter((x) => x !== null));
  return {
    firstReadS: median(firsts) / 1000,
    handovers: handovers.length,
    gapS: med("gap") / 1000,
    gapMaxS: Math.max(...handovers.map((h) => h.gap)) / 1000,
    toStartS: med("toStart") === null ? null : med("toStart") / 1000,
    toConnectS: med("toConnect") === null ? null : med("toConnect") / 1000,
    toReadS: med("toRead") === null ? null : med("toRead") / 1000,
    tailS: last ? (endAt - last.end) / 1000 : null,
    lastDisk: last?.disk ?? null,
    lastDiskReadS: last?.readS ?? null,
  };
}
