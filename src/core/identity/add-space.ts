// Free space for a new identity's PoS data, checked before postcli starts: refuse when the data
// would not fit on the target volume (saying how much is missing), warn when it would leave the
// volume above 95 % full or put the PoS data on the node's own volume. Data already written by an
// interrupted add (postdata_N.bin) counts as written.
import { promises as fs } from "node:fs";
import path from "node:path";
import { formatBytes } from "../../presentation/units.js";
import { nodeFsProbe } from "../hardware/volumes.js";
import { LABEL_BYTES } from "../spacemesh/pos-metadata.js";

/** postcli's default labels per unit (mainnet): 64 GiB per unit. */
export const POSTCLI_DEFAULT_LABELS_PER_UNIT = 4294967296;
/** Above this share used after the add, a warning. */
export const FULL_AFTER_RATIO = 0.95;

export interface SpaceCheck {
  needBytes: number; // still to write
  freeBytes: number | null;
  totalBytes: number | null;
  problems: string[]; // refuse
  warnings: string[];
}

export interface SpaceOptions {
  nodeDataFolder?: string | null;
  statfs?: (p: string) => Promise<{ totalBytes: number; freeBytes: number } | null>;
  devOf?: (p: string) => Promise<number | null>;
}

async function existingAncestor(p: string): Promise<string> {
  let cur = path.resolve(p);
  for (;;) {
    if (await fs.stat(cur).then(() => true, () => false)) return cur;
    const up = path.dirname(cur);
    if (up === cur) return cur;
    cur = up;
  }
}

async function writtenBytes(dir: string): Promise<number> {
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  let sum = 0;
  for (const n of names) if (/^postdata_\d+\.bin$/.test(n)) sum += await fs.stat(path.join(dir, n)).then((s) => s.size, () => 0);
  return sum;
}

const devOfDefault = async (p: string) => fs.stat(p).then((s) => s.dev, () => null);

export async function checkAddSpace(req: { dir: string; units: number; labelsPerUnit?: number }, o: SpaceOptions = {}): Promise<SpaceCheck> {
  const dir = path.resolve(req.dir);
  const perUnit = (req.labelsPerUnit ?? POSTCLI_DEFAULT_LABELS_PER_UNIT) * LABEL_BYTES;
  const total = req.units * perUnit;
  const needBytes = Math.max(0, total - (await writtenBytes(dir)));
  const at = await existingAncestor(dir);
  const st = await (o.statfs ?? nodeFsProbe.statfs)(at);
  const out: SpaceCheck = { needBytes, freeBytes: st?.freeBytes ?? null, totalBytes: st?.totalBytes ?? null, problems: [], warnings: [] };
  const size = `${formatBytes(total)} (${req.units} unit${req.units === 1 ? "" : "s"} × ${formatBytes(perUnit)})`;
  if (!st) {
    out.warnings.push(`cannot read the free space of ${at}: make sure ${size} fit there`);
  } else if (st.freeBytes < needBytes) {
    out.problems.push(
      `not enough space for ${dir}: the PoS data needs ${size}${needBytes < total ? `, ${formatBytes(needBytes)} still to write` : ""}, ` +
        `the volume has ${formatBytes(st.freeBytes)} free — ${formatBytes(needBytes - st.freeBytes)} missing; free space there, choose a dir on a larger volume, or fewer units`,
    );
  } else if (st.totalBytes > 0) {
    const usedAfter = 1 - (st.freeBytes - needBytes) / st.totalBytes;
    if (usedAfter > FULL_AFTER_RATIO)
      out.warnings.push(`${dir}: ${formatBytes(total)} of PoS data leave its volume ${Math.round(usedAfter * 100)} % full (${formatBytes(st.freeBytes - needBytes)} free after)`);
  }
  if (o.nodeDataFolder) {
    const devOf = o.devOf ?? devOfDefault;
    const [a, b] = await Promise.all([devOf(at), devOf(await existingAncestor(o.nodeDataFolder))]);
    if (a !== null && a === b)
      out.warnings.push(`${dir} is on the node's own volume (data folder ${o.nodeDataFolder}): the PoS data competes with the node's database for space and disk reads`);
  }
  return out;
}
