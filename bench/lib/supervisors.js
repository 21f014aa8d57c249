// The three supervisors compared, each constructed the same way: make(root, children, opts).
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PostdeckSupervisor } from "./postdeck.js";
import { Pm2Supervisor, pm2Available } from "./pm2.js";
import { SupervisordSupervisor, supervisordAvailable } from "./supervisord.js";

/** [{ name, prefix, skip: string|null, make(root, children, opts) }] in the order they run. */
export function supervisorsUnderTest(log = console.error) {
  const only = process.env.BENCH_SUPERVISORS ? process.env.BENCH_SUPERVISORS.split(",").map((x) => x.trim()) : null;
  return [
    { name: "postdeck", prefix: "pd", skip: null, make: (r, c, o = {}) => new PostdeckSupervisor(r, c, o.postdeck) },
    { name: "pm2", prefix: "pm", skip: pm2Available(), make: (r, c, o = {}) => new Pm2Supervisor(r, c, o.pm2) },
    { name: "supervisord", prefix: "sv", skip: only && !only.includes("supervisord") ? null : supervisordAvailable(log), make: (r, c, o = {}) => new SupervisordSupervisor(r, c, o.supervisord) },
  ].filter((s) => !only || only.includes(s.name));
}

/** A fresh short temp dir (the daemon's Unix socket path must stay under 108 bytes). */
export function freshDir(tag) {
  return mkdtempSync(path.join(os.tmpdir(), `pdb-${tag}-`));
}

export function removeDir(dir) {
  if (process.env.BENCH_KEEP) return;
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch {
    /* best effort */
  }
}
