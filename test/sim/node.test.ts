import { afterAll, beforeAll, describe, expect, it } from "vitest";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as ed from "@noble/ed25519";
import { spacemeshV1 } from "../../src/spacemesh-wire/spacemesh-proto.js";
import { assertBuilt, freePort, killAll, sim, simRun, tmpDir, waitFor, CLIENT_OPTIONS } from "./sim-process.js";

beforeAll(assertBuilt);
// each test has its own dirs, ports and processes: the tests run side by side, their processes
// killed after the file
afterAll(killAll);

async function keyHex(): Promise<{ hex: string; pub: string }> {
  const seed = crypto.randomBytes(32);
  const pub = Buffer.from(await ed.getPublicKeyAsync(seed));
  return { hex: Buffer.concat([seed, pub]).toString("hex"), pub: pub.toString("hex") };
}

function rig(keys: Record<string, string>, config: Record<string, unknown> = {}): { data: string; config: string } {
  const root = tmpDir();
  const data = path.join(root, "data");
  fs.mkdirSync(path.join(data, "identities"), { recursive: true });
  for (const [name, content] of Object.entries(keys)) fs.writeFileSync(path.join(data, "identities", name), content);
  const file = path.join(root, "config.json");
  fs.writeFileSync(
    file,
    JSON.stringify({
      smeshing: { "smeshing-start": false, "smeshing-coinbase": "sm1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq" },
      api: { "grpc-public-listener": "127.0.0.1:0", "grpc-private-listener": "127.0.0.1:0", "grpc-post-listener": "127.0.0.1:0" },
      ...config,
    }),
  );
  return { data, config: file };
}

async function startError(keys: Record<string, string>, config: Record<string, unknown> = {}): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const r = rig(keys, config);
  return simRun(["node", "--data-folder", r.data, "--config", r.config]);
}

describe.concurrent("sim node: identities/ by the real rules", () => {
  it("rejects a key with a trailing newline", async () => {
    const k = await keyHex();
    const r = await startError({ "post1.key": k.hex + "\n" });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("Error: loading identities: failed to construct identity post1.key: decoding private key in post1.key: encoding/hex: invalid byte: U+000A\n");
  });
  it("rejects CRLF as a wrong key size", async () => {
    const k = await keyHex();
    const r = await startError({ "post1.key": k.hex + "\r\n" });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("Error: loading identities: failed to construct identity post1.key: invalid key size 65/64 for post1.key\n");
  });
  it("rejects mismatched halves", async () => {
    const a = await keyHex();
    const b = await keyHex();
    const r = await startError({ "a.key": a.hex.slice(0, 64) + b.pub });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("Error: loading identities: failed to construct identity a.key: private and public do not match\n");
  });
  it("rejects a duplicate key, logging both file names", async () => {
    const k = await keyHex();
    const r = await startError({ "post1.key": k.hex, "post2.key": k.hex.toUpperCase() });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("Error: loading identities: duplicate key found in identity files\n");
    expect(r.stdout).toContain(`\tERROR\tnode\tduplicate key\t{"filename1": "post1.key", "filename2": "post2.key", "public_key": "${k.pub.slice(0, 5)}"}`);
  });
  it("rejects local.key among several keys", async () => {
    const a = await keyHex();
    const b = await keyHex();
    const r = await startError({ "local.key": a.hex, "post1.key": b.hex });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("Error: loading identities: supervised key found in remote smeshing mode\n");
    expect(r.stdout).toContain("Identities contain key for supervised smeshing (local.key). This is not supported in remote smeshing.");
  });
  it("rejects smeshing-start true in a remote setup", async () => {
    const a = await keyHex();
    const r = await startError({ "post1.key": a.hex }, { smeshing: { "smeshing-start": true, "smeshing-coinbase": "sm1qq" } });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("Error: smeshing enabled in remote setup\n");
    expect(r.stdout).toContain("supervised smeshing cannot be started in a remote or multi-smeshing setup");
  });
});

describe.concurrent("sim node: startup and gRPC", () => {
  it("loads keys in lexical order, skips sub-dirs and other files, logs them, serves the APIs; a second instance fails on the lock", async () => {
    const a = await keyHex();
    const b = await keyHex();
    const r = rig({ "post2.key": b.hex, "post1.key": a.hex, "notes.txt": "x", "post3.key.bak": a.hex }, {});
    fs.mkdirSync(path.join(r.data, "identities", "old.key"));
    const pub = await freePort();
    const priv = await freePort();
    const cfg = JSON.parse(fs.readFileSync(r.config, "utf8"));
    cfg.api = { "grpc-public-listener": `127.0.0.1:${pub}`, "grpc-private-listener": `127.0.0.1:${priv}`, "grpc-post-listener": "127.0.0.1:0" };
    fs.writeFileSync(r.config, JSON.stringify(cfg));
    const p = sim(["node", "--data-folder", r.data, "--config", r.config, "--log-encoder", "json"]);
    // several modules register each key; the ATX builder's two lines come last
    await waitFor("both keys registered by the ATX builder", () => p.stdout().split('"N":"node.atxBuilder","M":"registered signing key"').length - 1 >= 2);
    const lines = p.stdout().trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const l of lines) expect(Object.keys(l).slice(0, 3)).toEqual(["L", "T", "N"]);
    const loaded = lines.filter((l) => l["M"] === "Loaded existing identity");
    expect(loaded.map((l) => l["filename"])).toEqual(["post1.key", "post2.key"]);
    expect(loaded[0]).toMatchObject({ L: "INFO", N: "node", public_key: a.pub.slice(0, 5), name: "" });
    expect(lines.some((l) => l["M"] === "Loaded 2 identities from disk")).toBe(true);
    const reg = lines.filter((l) => l["M"] === "registered signing key" && l["N"] === "node.atxBuilder");
    expect(reg.map((l) => l["id"])).toEqual([a.pub.slice(0, 6), b.pub.slice(0, 6)]);
    expect(lines[0]).toMatchObject({ L: "INFO", N: "node", M: expect.stringMatching(/^App version: v1\.7\.6\. Git: /) });
    expect(lines[1]).toMatchObject({ N: "node", M: "Welcome to Spacemesh. Spacemesh full node is starting..." });
    const postLine = lines.find((l) => l["M"] === "starting grpc server" && (l["services"] as string[]).includes("postInfo"))!;
    expect(postLine["address"]).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(postLine["address"]).not.toBe("127.0.0.1:0");

    const v1 = spacemeshV1();
    type Cb = (err: grpc.ServiceError | null, res: Record<string, unknown>) => void;
    const call = (svc: string, addr: string, method: string): Promise<Record<string, unknown>> =>
      new Promise((resolve, reject) => {
        const c = new v1[svc]!(addr, grpc.credentials.createInsecure(), CLIENT_OPTIONS) as unknown as Record<string, (req: unknown, cb: Cb) => void>;
        c[method]!({}, (err, res) => (err ? reject(err) : resolve(res)));
      });
    const ids = await call("SmesherService", `127.0.0.1:${priv}`, "SmesherIDs");
    expect((ids["publicKeys"] as Buffer[]).map((k) => k.toString("hex"))).toEqual([a.pub, b.pub]);
    expect(await call("SmesherService", `127.0.0.1:${priv}`, "IsSmeshing")).toMatchObject({ isSmeshing: true });
    const pc = await call("SmesherService", `127.0.0.1:${priv}`, "PostConfig");
    expect(pc).toMatchObject({ bitsPerLabel: 128, labelsPerUnit: "4294967296", minNumUnits: 4, k1: 26, k2: 37 });
    const st = await call("NodeService", `127.0.0.1:${pub}`, "Status");
    expect(st["status"]).toMatchObject({ connectedPeers: expect.stringMatching(/^\d+$/), topLayer: { number: expect.any(Number) } });
    const hi = await call("ActivationService", `127.0.0.1:${pub}`, "Highest");
    expect(((hi["atx"] as { id: { id: Buffer } }).id.id).length).toBe(32);
    const states = await call("PostInfoService", postLine["address"] as string, "PostStates");
    expect((states["states"] as { name: string; state: string }[]).map((s) => [s.name, s.state])).toEqual([
      ["post1.key", "PROVING"],
      ["post2.key", "PROVING"],
    ]);

    const second = await simRun(["node", "--data-folder", r.data, "--config", r.config]);
    expect(second.code).toBe(1);
    expect(second.stderr).toBe(
      `Error: getting exclusive file lock: only one spacemesh instance should be running (locking file ${path.join(r.data, "spacemesh.lock")})\n`,
    );
  });

  it("without a coinbase warns and refuses post-service connections with FAILED_PRECONDITION", async () => {
    const a = await keyHex();
    const r = rig({ "post1.key": a.hex }, { smeshing: { "smeshing-start": false } });
    const p = sim(["node", "--data-folder", r.data, "--config", r.config]);
    const postRe = /starting grpc server\t\{"address": "([\d.:]+)", "services": \["post", "postInfo"\]\}/;
    await waitFor("post listener", () => postRe.exec(p.stdout()));
    expect(p.stdout()).toMatch(/\tWARN\tnode\.grpc\tcoinbase account is not set, connections from remote post services will be rejected\n/);
    const addr = postRe.exec(p.stdout())![1]!;
    const client = new (spacemeshV1()["PostService"]!)(addr, grpc.credentials.createInsecure(), CLIENT_OPTIONS) as unknown as { Register(): grpc.ClientDuplexStream<unknown, unknown> };
    const stream = client.Register();
    const status = await new Promise<grpc.StatusObject>((resolve) => {
      stream.on("error", () => undefined);
      stream.on("status", resolve);
    });
    expect(status.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(status.details).toBe("connection not allowed: node has no coinbase set in config");
  });
});

describe.concurrent("sim node: command line", () => {
  it("documents its time-compression flags; without network keys in the config they set the clock", async () => {
    const help = await simRun(["node", "--help"]);
    expect(help.code).toBe(0);
    for (const f of ["--data-folder", "--config", "--log-encoder", "--layer-duration", "--cycle-gap-every", "--cycle-gap-length"]) expect(help.stdout).toContain(f);
    const bad = await simRun(["node", "--bogus"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr.startsWith("Error: unknown flag: --bogus\n")).toBe(true);
    const a = await keyHex();
    const r = rig({ "post1.key": a.hex });
    const p = sim(["node", "--data-folder", r.data, "--config", r.config, "--layer-duration", "2", "--cycle-gap-every", "90", "--cycle-gap-length", "30"]);
    await waitFor("started", () => p.stdout().includes("starting grpc server"));
    // a real node logs nothing of the kind: the simulator's own timing stays out of its log
    expect(p.stdout()).not.toContain("simulated");
    expect(p.stdout()).not.toContain("Starting Spacemesh");
  });
});
