// The services the operator took by hand (started or stopped them with `s`/`x` or the CLI): the
// orchestrator leaves them alone until they are handed back (`postdeck plan --release NAME`). Kept
// in the daemon's state dir, so a daemon restart does not hand them back behind the operator's back.
// Written atomically (a temp file in the same dir, then a rename): a crash leaves the old or the new.
import fs from "node:fs/promises";
import path from "node:path";

export const HAND_FILE = "orchestrator-hand.json";

/** service name → when it was taken by hand (epoch ms). */
export type HandTaken = Map<string, number>;

interface HandFile {
  services?: Record<string, { since?: unknown }>;
}

export async function loadHandTaken(stateDir: string): Promise<HandTaken> {
  let parsed: HandFile;
  try {
    parsed = JSON.parse(await fs.readFile(path.join(stateDir, HAND_FILE), "utf8")) as HandFile;
  } catch {
    return new Map(); // none yet, or unreadable: nothing is held by hand
  }
  const out: HandTaken = new Map();
  for (const [name, v] of Object.entries(parsed.services ?? {})) out.set(name, typeof v.since === "number" ? v.since : 0);
  return out;
}

export async function saveHandTaken(stateDir: string, taken: HandTaken): Promise<void> {
  const file = path.join(stateDir, HAND_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  const body = { services: Object.fromEntries([...taken].map(([name, since]) => [name, { since }])) };
  await fs.mkdir(stateDir, { recursive: true });
  const h = await fs.open(tmp, "w", 0o600);
  try {
    await h.writeFile(JSON.stringify(body, null, 2) + "\n");
    await h.sync();
  } finally {
    await h.close();
  }
  await fs.rename(tmp, file);
}
