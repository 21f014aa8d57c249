// Counting the bench child's lines that reached a supervisor's log files on disk.
import { createReadStream, existsSync, readFileSync, readdirSync, rmSync } from "node:fs";
import path from "node:path";

const MARK = Buffer.from("marker=");

/**
 * Reads files and counts, per marker, the distinct sequence numbers seen (and duplicates).
 * Returns Map marker -> { lines, unique, duplicates, maxSeq }.
 */
export async function countSequences(files) {
  const seen = new Map(); // marker -> { bits: Uint8Array, lines, unique, duplicates, maxSeq }
  const get = (m) => {
    let s = seen.get(m);
    if (!s) seen.set(m, (s = { bits: new Uint8Array(1 << 16), lines: 0, unique: 0, duplicates: 0, maxSeq: 0 }));
    return s;
  };
  for (const f of files) {
    if (!existsSync(f)) continue;
    let rest = Buffer.alloc(0);
    for await (const chunk of createReadStream(f, { highWaterMark: 1 << 20 })) {
      const buf = rest.length ? Buffer.concat([rest, chunk]) : chunk;
      let start = 0;
      let nl;
      while ((nl = buf.indexOf(10, start)) >= 0) {
        const i = buf.indexOf(MARK, start);
        if (i >= 0 && i < nl) {
          const sp = buf.indexOf(32, i);
          const marker = buf.toString("latin1", i + 7, sp);
          const q = buf.indexOf(32, sp + 5);
          const seq = Number(buf.toString("latin1", sp + 5, q));
          const s = get(marker);
          s.lines++;
          if (seq > s.maxSeq) s.maxSeq = seq;
          if (seq >= s.bits.length * 8) {
            let n = s.bits.length;
            while (seq >= n * 8) n *= 2;
            const b = new Uint8Array(n);
            b.set(s.bits);
            s.bits = b;
          }
          const bit = 1 << (seq & 7);
          if (s.bits[seq >> 3] & bit) s.duplicates++;
          else {
            s.bits[seq >> 3] |= bit;
            s.unique++;
          }
        }
        start = nl + 1;
      }
      rest = Buffer.from(buf.subarray(start));
    }
  }
  const out = new Map();
  for (const [m, s] of seen) out.set(m, { lines: s.lines, unique: s.unique, duplicates: s.duplicates, maxSeq: s.maxSeq });
  return out;
}

/** `file` and its rotated siblings (file.1, file.2, ... and pm2/supervisord style names) that exist. */
export function withRotated(file) {
  const dir = path.dirname(file);
  const base = path.basename(file);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => n === base || (n.startsWith(base + ".") && /^\d+$/.test(n.slice(base.length + 1))))
    .map((n) => path.join(dir, n));
}

/** Lines written per marker, from the children's report files (DIR/<marker>.json). */
export function writtenByMarker(reportDir) {
  const out = new Map();
  if (!existsSync(reportDir)) return out;
  for (const n of readdirSync(reportDir)) {
    if (!n.endsWith(".json")) continue;
    try {
      out.set(n.slice(0, -5), JSON.parse(readFileSync(path.join(reportDir, n), "utf8")).written);
    } catch {
      /* a child killed mid-write: no report */
    }
  }
  return out;
}

/** Totals over markers with a prefix: written, captured (distinct), lost, duplicates. */
export function compareLines(written, captured, prefix) {
  let w = 0;
  let c = 0;
  let d = 0;
  let lost = 0;
  for (const [m, n] of written) {
    if (!m.startsWith(prefix)) continue;
    const s = captured.get(m);
    w += n;
    c += Math.min(n, s?.unique ?? 0);
    d += s?.duplicates ?? 0;
    lost += Math.max(0, n - (s?.unique ?? 0));
  }
  return { written: w, captured: c, lost, duplicates: d };
}

export function removeFiles(files) {
  for (const f of files) rmSync(f, { force: true });
}

/** Pids of children started with --wait-signal that are ready for their SIGUSR2 (DIR/<marker>.ready). */
export function readyPids(reportDir, markers) {
  const out = [];
  for (const m of markers) {
    try {
      out.push(Number(readFileSync(path.join(reportDir, `${m}.ready`), "utf8")));
    } catch {
      return null; // not all ready yet
    }
  }
  return out;
}
