// The proving state machine of the simulated post-service (post-rs service.rs): Idle -> Proving ->
// Done(Ok|Err); a finished proof is verified and handed out once, then Idle. Proving = per pass a k2pow
// phase of real CPU work (POSTDECK_SIM_POW_MS per 16 nonces, divided by threads; POSTDECK_SIM_POW_SLEEP=1
// waits that long instead, for tests that need the phase's duration and not its load) and a real sequential
// read of all postdata_*.bin files, throttled (POSTDECK_SIM_READ_S target seconds per pass, or
// POSTDECK_SIM_READ_BPS bytes/s, or a simulated disk's bandwidth shared with the provers reading it at
// that moment: POSTDECK_SIM_DISKS, see disk-share.ts). POSTDECK_SIM_FAIL_PROOF=1 makes generation fail; POSTDECK_SIM_PROOF_PASSES
// sets the pass in which a proof is found (default 1). POSTDECK_SIM_HOLD_PROOF=FILE holds a pass whose read is over
// while FILE exists (/status says Proving until it is removed): tests that must see a proof under way.
import crypto from "node:crypto";
import fs from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import type { EnvLogger } from "../env-logger.js";
import { minutesSeconds } from "../env-logger.js";
import { listDataFiles, type PostMetadata } from "../post-data.js";
import { readersOn, takeLease, type SimDisk } from "./disk-share.js";

export interface Proof {
  nonce: number;
  indices: Buffer;
  pow: string; // uint64 decimal
}

export type ServiceState =
  | { kind: "idle" }
  | { kind: "proving"; challenge: Buffer; nonces: { start: number; end: number }; position: number }
  | { kind: "done"; challenge: Buffer; result: { ok: true; proof: Proof } | { ok: false; error: string } };

export type GenProofResult = { kind: "in-progress" } | { kind: "finished"; proof: Proof } | { kind: "error"; error: string };

/** How often a held proof (holdFile) looks whether it may go on. */
const HOLD_LOOK_MS = 20;

const hexUpper = (b: Buffer) => b.toString("hex").toUpperCase();

export interface ProverOptions {
  dir: string;
  meta: PostMetadata;
  nonces: number;
  threads: number; // effective (>= 1)
  k2: number;
  powDifficulty: string;
  failProof: boolean;
  powMsPerGroup: number;
  /** k2pow waits its time instead of burning the CPU (POSTDECK_SIM_POW_SLEEP=1). */
  powSleep?: boolean;
  readSeconds: number;
  readBytesPerSecond: number; // 0 = use readSeconds
  proofPass: number;
  /** A pass whose read is over waits while this file exists (POSTDECK_SIM_HOLD_PROOF); null: never. */
  holdFile?: string | null;
  log: EnvLogger;
  /** A simulated disk shared with other simulated provers (disk-share.ts); null: readSeconds/readBytesPerSecond alone. */
  disk?: SimDisk | null;
}

/** Busy CPU work for about `ms` milliseconds, yielding to the event loop every ~20 ms. */
async function burnCpu(ms: number, seed: Buffer): Promise<bigint> {
  const end = Date.now() + ms;
  let h = seed;
  let count = 0n;
  while (Date.now() < end) {
    const slice = Date.now() + 20;
    while (Date.now() < slice) {
      h = crypto.createHash("sha256").update(h).digest();
      count++;
    }
    await new Promise((r) => setImmediate(r));
  }
  return count ^ BigInt("0x" + h.subarray(0, 6).toString("hex"));
}

/** k2pow as a wait of `ms` (POSTDECK_SIM_POW_SLEEP=1): the same phase length and log lines, no CPU work. */
async function waitPow(ms: number, seed: Buffer): Promise<bigint> {
  await sleep(ms);
  return BigInt("0x" + crypto.createHash("sha256").update(seed).digest().subarray(0, 6).toString("hex"));
}

export class Prover {
  state: ServiceState = { kind: "idle" };

  constructor(private readonly o: ProverOptions) {}

  /** The operator API body for GET /status (serde externally tagged ServiceState). */
  statusBody(): string {
    switch (this.state.kind) {
      case "idle":
        return '"Idle"';
      case "proving":
        return JSON.stringify({ Proving: { nonces: { start: this.state.nonces.start, end: this.state.nonces.end }, position: this.state.position } });
      case "done":
        return '"DoneProving"';
    }
  }

  /** service.rs gen_proof: start, report progress, or hand out the finished result (Done stays until fetched). */
  genProof(challenge: Buffer): GenProofResult {
    const s = this.state;
    if (s.kind === "idle") {
      this.o.log.info("post_service::service", `starting proof generation for challenge ${hexUpper(challenge)}`);
      this.state = { kind: "proving", challenge, nonces: { start: 0, end: this.o.nonces }, position: 0 };
      void this.prove(challenge);
      return { kind: "in-progress" };
    }
    if (s.kind === "proving") {
      if (!s.challenge.equals(challenge)) {
        return {
          kind: "error",
          error: `proof generation is in progress for a different challenge (current: ${hexUpper(s.challenge)}, requested: ${hexUpper(challenge)})`,
        };
      }
      return { kind: "in-progress" };
    }
    this.o.log.info("post_service::service", "proof generation is finished");
    if (!s.result.ok) return { kind: "error", error: `proof generation failed: ${s.result.error}` };
    return { kind: "finished", proof: s.result.proof };
  }

  /** service.rs verify_proof: checks the proof and resets the state to Idle (whatever the outcome). */
  verifyProof(challenge: Buffer): string | null {
    const s = this.state;
    this.state = { kind: "idle" };
    if (s.kind !== "done" || !s.challenge.equals(challenge)) return "verifying proof\n\nCaused by:\n    proof does not match the challenge";
    return null;
  }

  /** One sequential read of all PoS data at `rate`, or at the shared simulated disk's rate of the moment. */
  private async readPosData(files: { file: string; size: number }[], rate: number, readStart: number): Promise<void> {
    const disk = this.o.disk ?? null;
    const release = disk ? takeLease(disk) : () => undefined;
    const buf = Buffer.alloc(disk ? 64 * 1024 : 256 * 1024);
    let position = 0;
    let owedMs = 0; // shared disk: time owed for the bytes read so far, each chunk at the rate of its moment
    try {
      for (const f of files) {
        const fd = fs.openSync(f.file, "r");
        try {
          for (let off = 0; off < f.size; ) {
            const n = fs.readSync(fd, buf, 0, Math.min(buf.length, f.size - off), off);
            if (n <= 0) break;
            off += n;
            position += n;
            if (this.state.kind === "proving") this.state.position = position;
            if (disk) owedMs += (n / (disk.readBytesPerSec / readersOn(disk))) * 1000;
            const due = (disk ? owedMs : (position / rate) * 1000) - (Date.now() - readStart);
            if (due > 0) await sleep(due);
            else await new Promise((r) => setImmediate(r));
          }
        } finally {
          fs.closeSync(fd);
        }
      }
    } finally {
      release();
    }
  }

  private async prove(challenge: Buffer): Promise<void> {
    const o = this.o;
    const started = Date.now();
    const files = listDataFiles(o.dir);
    const total = files.reduce((a, f) => a + f.size, 0);
    const numUnits = o.meta.NumUnits;
    o.log.info(
      "post::prove",
      `generating proof with PoW flags: RandomXFlag(FLAG_DEFAULT | FLAG_JIT | FLAG_HARD_AES), difficulty (scaled with SU): ${o.powDifficulty.slice(0, 16)}, K2PoW difficulty (scaled with SU): ${o.powDifficulty}`,
    );
    for (let pass = 1; ; pass++) {
      const start = (pass - 1) * o.nonces;
      const nonces = { start, end: start + o.nonces };
      this.state = { kind: "proving", challenge, nonces, position: 0 };
      // k2pow: one PoW per group of 16 nonces.
      const powStart = Date.now();
      let pow = 0n;
      for (let g = start; g < nonces.end; g += 16) {
        o.log.info("post::pow::service", `calculating proof of work for nonces ${g}..${g + 16}`);
        const ms = (o.powMsPerGroup * Math.max(1, numUnits / 4)) / o.threads;
        const seed = Buffer.concat([challenge, Buffer.from([g & 0xff])]);
        pow = await (o.powSleep ? waitPow(ms, seed) : burnCpu(ms, seed));
      }
      o.log.info("post::prove", `finished k2pow in ${minutesSeconds(Date.now() - powStart)}`);
      // One sequential read of all PoS data.
      o.log.info("post::prove", "started reading POST data");
      const readStart = Date.now();
      const rate = o.readBytesPerSecond > 0 ? o.readBytesPerSecond : total / Math.max(0.001, o.readSeconds);
      await this.readPosData(files, rate, readStart);
      o.log.info("post::prove", `finished reading POST data in ${minutesSeconds(Date.now() - readStart)}`);
      while (o.holdFile && fs.existsSync(o.holdFile)) await sleep(HOLD_LOOK_MS);
      if (o.failProof) {
        const error = "simulated proof generation failure (POSTDECK_SIM_FAIL_PROOF)";
        this.state = { kind: "done", challenge, result: { ok: false, error } };
        return;
      }
      if (pass < o.proofPass) continue;
      const seed = crypto.createHash("sha256").update(challenge).update(o.meta.NodeId).digest();
      const nonce = start + (seed[0]! % o.nonces);
      const labels = Math.max(1, Math.floor(total / 16));
      const indicesList = Array.from({ length: o.k2 }, (_, i) => crypto.createHash("sha256").update(seed).update(String(i)).digest().readUInt32BE(0) % labels).sort((x, y) => x - y);
      const indices = crypto.createHash("sha512").update(seed).digest().subarray(0, Math.ceil((o.k2 * 34) / 8));
      o.log.info(
        "post::prove",
        `found proof for nonce: ${nonce}, pow: ${pow} with [${indicesList.join(", ")}] indices. It took ${minutesSeconds(Date.now() - started)}`,
      );
      this.state = { kind: "done", challenge, result: { ok: true, proof: { nonce, indices: Buffer.from(indices), pow: pow.toString() } } };
      return;
    }
  }
}
