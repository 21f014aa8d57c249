// The sim post-service against a hand-written node (a bare grpc-js PostService server): the wire messages
// it sends (Metadata with optional nonce), the lock-step GenProof exchange and the challenge-mismatch error;
// a proof held (POSTDECK_SIM_HOLD_PROOF) until a test has seen it under way.
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import fs from "node:fs";
import path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { spacemeshV1 } from "../../src/spacemesh-wire/spacemesh-proto.js";
import { assertBuilt, freePort, killAll, makePos, sim, tmpDir, waitFor } from "./sim-process.js";

beforeAll(assertBuilt);
const servers: grpc.Server[] = [];
afterEach(() => {
  killAll();
  for (const s of servers.splice(0)) s.forceShutdown();
});

type Resp = { kind?: string; metadata?: { meta: Record<string, unknown> }; genProof?: { status: string; proof: unknown; metadata: { challenge: Buffer } | null } };

/** A fake node: hands each Register stream to `onStream`. */
async function fakeNode(onStream: (send: (req: unknown) => Promise<Resp>) => Promise<void>): Promise<number> {
  const server = new grpc.Server();
  servers.push(server);
  server.addService(spacemeshV1()["PostService"]!.service, {
    Register: (call: grpc.ServerDuplexStream<Resp, unknown>) => {
      const waiting: ((r: Resp) => void)[] = [];
      call.on("data", (r: Resp) => waiting.shift()?.(r));
      call.on("error", () => undefined);
      const send = (req: unknown) =>
        new Promise<Resp>((resolve) => {
          waiting.push(resolve);
          call.write(req);
        });
      void onStream(send);
    },
  });
  return new Promise((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))),
  );
}

describe("sim post-service on the wire", () => {
  it("answers MetadataRequest with Metadata (nonce absent when unset), and GenProof lock-step", async () => {
    const dir = tmpDir();
    await makePos(dir);
    const metaFile = path.join(dir, "postdata_metadata.json");
    const meta = JSON.parse(fs.readFileSync(metaFile, "utf8"));
    delete meta.Nonce;
    delete meta.NonceValue;
    fs.writeFileSync(metaFile, JSON.stringify(meta, null, "\t"));

    const seen: Resp[] = [];
    const a = Buffer.alloc(32, 1);
    const b = Buffer.alloc(32, 2);
    let finished: Resp | null = null;
    const port = await fakeNode(async (send) => {
      seen.push(await send({ metadata: {} }));
      seen.push(await send({ genProof: { challenge: a } }));
      seen.push(await send({ genProof: { challenge: b } })); // a different challenge while proving a
      for (;;) {
        const r = await send({ genProof: { challenge: a } });
        if (r.genProof?.proof) {
          finished = r;
          return;
        }
        await new Promise((res) => setTimeout(res, 300));
      }
    });
    const svc = sim(["post-service", "--address", `http://127.0.0.1:${port}`, "--dir", dir, "--threads", "1", "--nonces", "16"], {
      env: { POSTDECK_SIM_POW_MS: "100", POSTDECK_SIM_READ_S: "1" },
    });
    await waitFor("proof", () => finished, 60_000);
    const m = seen[0]!;
    expect(m.kind).toBe("metadata");
    expect(m.metadata!.meta["nodeId"]).toEqual(Buffer.from(meta.NodeId, "base64"));
    expect(m.metadata!.meta["commitmentAtxId"]).toEqual(Buffer.from(meta.CommitmentAtxId, "base64"));
    expect(m.metadata!.meta).toMatchObject({ numUnits: 4, labelsPerUnit: "4096" });
    expect("nonce" in m.metadata!.meta).toBe(false);
    expect(seen[1]!.genProof).toMatchObject({ status: "GEN_PROOF_STATUS_OK", proof: null });
    expect(seen[2]!.genProof!.status).toBe("GEN_PROOF_STATUS_ERROR");
    expect(svc.stderr()).toContain(
      `ERROR post_service::client] failed to generate proof: proof generation is in progress for a different challenge (current: ${"01".repeat(32)}, requested: ${"02".repeat(32)})`,
    );
    const f = finished as unknown as Resp;
    expect(f.genProof!.status).toBe("GEN_PROOF_STATUS_OK");
    expect(f.genProof!.metadata!.challenge).toEqual(a);
    expect(svc.stderr()).toContain(`INFO  post_service::service] starting proof generation for challenge ${"01".repeat(32)}\n`);
    // post-service 0.8 says "proof generation in progress" at DEBUG: not at the default level
    expect(svc.stderr()).not.toContain("proof generation in progress");
  });

  it("holds a proof whose read is over while POSTDECK_SIM_HOLD_PROOF's file exists: /status says Proving until it is removed", async () => {
    const dir = tmpDir();
    await makePos(dir);
    const hold = path.join(dir, "hold");
    fs.writeFileSync(hold, "");
    const challenge = Buffer.alloc(32, 3);
    let proof: Resp | null = null;
    const port = await fakeNode(async (send) => {
      await send({ metadata: {} });
      for (;;) {
        const r = await send({ genProof: { challenge } });
        if (r.genProof?.proof) return void (proof = r);
        await new Promise((res) => setTimeout(res, 100));
      }
    });
    const op = await freePort();
    const svc = sim(["post-service", "--address", `http://127.0.0.1:${port}`, "--dir", dir, "--threads", "1", "--nonces", "16", "--operator-address", `127.0.0.1:${op}`], {
      env: { POSTDECK_SIM_POW_MS: "100", POSTDECK_SIM_POW_SLEEP: "1", POSTDECK_SIM_READ_S: "0.2", POSTDECK_SIM_HOLD_PROOF: hold },
    });
    await waitFor("the read over", () => svc.stderr().includes("finished reading POST data"), 30_000);
    const size = fs.readdirSync(dir).filter((f) => /^postdata_\d+\.bin$/.test(f)).reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0);
    const status = async () => (await fetch(`http://127.0.0.1:${op}/status`)).text();
    expect(await status()).toBe(JSON.stringify({ Proving: { nonces: { start: 0, end: 16 }, position: size } })); // was "DoneProving" at once, or "Idle" once the node took the proof
    expect(proof).toBeNull();
    fs.rmSync(hold);
    await waitFor("the proof", () => proof, 30_000);
    expect(svc.stderr()).toMatch(/found proof for nonce: \d+/);
  });
});
