// A sim post-service registers with a sim node over gRPC; the node drives it through the initial proof
// and a cycle gap, as go-spacemesh drives a real post-service.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as grpc from "@grpc/grpc-js";
import { spacemeshV1 } from "../../src/spacemesh-wire/spacemesh-proto.js";
import { assertBuilt, freePort, kill, killAll, oneIdentityRig, sim, waitFor, CLIENT_OPTIONS } from "./sim-process.js";

beforeAll(assertBuilt);
// the tests run side by side (each has its own rig and ports; most of their time is the simulated
// clock), so their processes are ended after the file, not after each test
afterAll(killAll);

type Cb = (err: grpc.ServiceError | null, res: Record<string, unknown>) => void;

async function rigWithOneIdentity() {
  const { root, pos, data, config, nodeId, post: postPort, priv: privPort } = await oneIdentityRig();
  const opPort = await freePort();
  const postStates = (): Promise<{ id: Buffer; state: string; name: string }[]> =>
    new Promise((resolve, reject) => {
      const c = new (spacemeshV1()["PostInfoService"]!)(`127.0.0.1:${postPort}`, grpc.credentials.createInsecure(), CLIENT_OPTIONS) as unknown as Record<string, (r: unknown, cb: Cb) => void>;
      c["PostStates"]!({}, (err, res) => {
        (c as unknown as grpc.Client).close();
        if (err) reject(err);
        else resolve(res["states"] as { id: Buffer; state: string; name: string }[]);
      });
    });
  const status = async () => (await fetch(`http://127.0.0.1:${opPort}/status`)).text();
  return { root, pos, data, config, nodeId, postPort, privPort, opPort, postStates, status };
}

// a proof takes ~1.2 s (its k2pow a wait, not CPU work): the node, asking every 500 ms (SIM_NODE_ENV),
// sees it done at its next question
const SERVICE_ENV = { POSTDECK_SIM_POW_MS: "200", POSTDECK_SIM_POW_SLEEP: "1", POSTDECK_SIM_READ_S: "1" };
// the node looks at its PROVING identities (asks their post-services) every 500 ms instead of 2 s
const SIM_NODE_ENV = { POSTDECK_SIM_NODE_QUERY_MS: "500" };

describe.concurrent("sim node + sim post-service over gRPC", () => {
  // ~15 s at load ~20; its steps wait up to 90 s each (a loaded machine): the file's 60 s would cut them short
  it("registers, proves the initial proof and a cycle-gap proof, and refuses a duplicate connection", { timeout: 150_000 }, async () => {
    const r = await rigWithOneIdentity();
    // the first cycle gap opens 11 s after the node starts and the node fetches its PoET proof 0.9 s
    // later (3 % of the 30 s gap): the initial proof, done 4-6 s after the node's start at load ~20
    // (the second service starts beside it), is seen IDLE well before; the next gap opens 10 minutes
    // later: exactly two proofs however slow the machine
    const node = sim(
      ["node", "--data-folder", r.data, "--config", r.config, "--layer-duration", "1", "--cycle-gap-every", "600", "--cycle-gap-length", "30", "--first-cycle-gap", "11", "--warn-interval", "1"],
      { env: SIM_NODE_ENV },
    );
    await waitFor("node up", async () => (await r.postStates()).length === 1);
    // new identity: the initial proof is wanted at once, and nothing serves it yet
    expect((await r.postStates())[0]).toMatchObject({ name: "post1.key", state: "PROVING" });
    expect(((await r.postStates())[0]!.id).toString("hex")).toBe(r.nodeId);
    await waitFor("not-connected warning", () =>
      node.stdout().includes(`\tWARN\tnode.nipostBuilder\tpost service not connected - waiting for reconnection\t{"smesherID": "${r.nodeId}", "error": "post service not registered"}\n`),
    );

    // events from the private listener
    const events: Record<string, unknown>[] = [];
    const admin = new (spacemeshV1()["AdminService"]!)(`127.0.0.1:${r.privPort}`, grpc.credentials.createInsecure(), CLIENT_OPTIONS) as unknown as {
      EventsStream(req: unknown): grpc.ClientReadableStream<Record<string, unknown>>;
    } & grpc.Client;
    const evStream = admin.EventsStream({});
    evStream.on("data", (e) => events.push(e));
    evStream.on("error", () => undefined);

    // its initial proof is held once read until the checks that want it under way are done (hold: a
    // loaded machine missed its ~1.2 s of Proving)
    const hold = path.join(r.root, "hold-proof");
    fs.writeFileSync(hold, "");
    const service = sim(
      ["post-service", "--address", `http://127.0.0.1:${r.postPort}`, "--dir", r.pos, "--threads", "1", "--nonces", "16", "--operator-address", `127.0.0.1:${r.opPort}`, "--reconnect-interval-s", "1"],
      { env: { ...SERVICE_ENV, POSTDECK_SIM_HOLD_PROOF: hold } },
    );
    await waitFor("registration", () => node.stdout().includes(`\tINFO\tnode.postService\tpost service registered\t{"node_id": "${r.nodeId}"}\n`));
    expect(service.stderr()).toMatch(/INFO  post_service::client\] obtained metadata: PostMetadata \{ node_id: \[\d+(, \d+){31}\], commitment_atx_id: \[171(, 171){31}\], labels_per_unit: 4096, num_units: 4, max_file_size: 16384, nonce: Some\(\d+\), last_position: None \}\n/);
    await waitFor("initial proof started", () => node.stdout().includes(`\tINFO\tnode.nipostBuilder\tstarting post execution\t{"challenge": "${Buffer.alloc(32).toString("base64")}"}\n`));
    const proving = await waitFor("Proving body", async () => {
      const b = await r.status();
      return b.startsWith('{"Proving"') ? b : null;
    });
    expect(proving).toMatch(/^\{"Proving":\{"nonces":\{"start":0,"end":16\},"position":\d+\}\}$/);
    // a second post-service for the same identity is refused by the node (it starts while the first proves)
    const dup = sim(["post-service", "--address", `http://127.0.0.1:${r.postPort}`, "--dir", r.pos, "--threads", "1", "--nonces", "16", "--reconnect-interval-s", "1"], { env: SERVICE_ENV });
    fs.rmSync(hold);
    const dupRefused = waitFor("duplicate refused", () =>
      dup.stderr().includes('INFO  post_service::client] disconnected: Err(status: Unknown, message: "post service already registered"'),
    );
    await waitFor("initial proof finished", () => /\tINFO\tnode\.nipostBuilder\tfinished post execution\t\{"duration": "[\d.]+m?s"\}\n/.test(node.stdout()), 90_000);
    await waitFor("IDLE", async () => (await r.postStates())[0]!.state === "IDLE");
    expect(await r.status()).toBe('"Idle"');
    expect(service.stderr()).toContain("INFO  post_service::service] starting proof generation for challenge " + "00".repeat(32) + "\n");
    for (const line of ["started reading POST data", "proof generation finished", "verifying proof"]) expect(service.stderr()).toContain(line);
    expect(service.stderr()).toMatch(/proof is valid \(verification took: [\d.]+s\)/);

    await dupRefused;
    process.kill(-dup.child.pid!, "SIGKILL");

    // the cycle gap: PROVING again, then IDLE after the proof. The service is held (SIGSTOP) until
    // the node shows PROVING: the proof it is asked for in the gap cannot end before that is seen,
    // however slowly these PostStates calls come (the proof itself takes ~1.2 s)
    process.kill(-service.child.pid!, "SIGSTOP");
    try {
      await waitFor("PROVING in the cycle gap", async () => (await r.postStates())[0]!.state === "PROVING", 60_000);
    } finally {
      process.kill(-service.child.pid!, "SIGCONT");
    }
    await waitFor("IDLE after the cycle-gap proof", async () => (await r.postStates())[0]!.state === "IDLE", 90_000);
    expect(node.stdout().split("\tfinished post execution\t").length - 1).toBe(2);
    expect(node.stdout()).toMatch(/\tINFO\tnode\.atxBuilder\tatx published\t\{"atx_id": "[0-9a-f]+", "size": \d+\}\n/);

    await waitFor("events", () => events.filter((e) => e["details"] === "atxPublished").length >= 2, 10_000);
    const kinds = events.map((e) => e["details"]);
    expect(kinds).toContain("postStart");
    expect(kinds).toContain("postComplete");
    const wait = events.find((e) => e["details"] === "waitingForPoetRoundEnd")!;
    expect((wait["waitingForPoetRoundEnd"] as { smesher: Buffer }).smesher.toString("hex")).toBe(r.nodeId);
    expect(kinds[kinds.indexOf("waitingForPoetRoundEnd") - 1]).toBe("poetWaitProof");
    const start = events.find((e) => e["details"] === "postStart")!["postStart"] as { smesher: Buffer; challenge: Buffer };
    expect(start.smesher.toString("hex")).toBe(r.nodeId);
    const complete = events.find((e) => e["details"] === "postComplete")!;
    expect(complete["failure"]).toBe(false);
    evStream.cancel();
    admin.close();
  });

  it("a failing post-service: the node logs the failure and keeps the identity PROVING; /status stays DoneProving", async () => {
    const r = await rigWithOneIdentity();
    const node = sim(["node", "--data-folder", r.data, "--config", r.config, "--layer-duration", "1", "--cycle-gap-every", "600"], { env: SIM_NODE_ENV });
    await waitFor("node up", async () => (await r.postStates()).length === 1);
    const service = sim(
      ["post-service", "--address", `http://127.0.0.1:${r.postPort}`, "--dir", r.pos, "--threads", "1", "--nonces", "16", "--operator-address", `127.0.0.1:${r.opPort}`],
      { env: { ...SERVICE_ENV, POSTDECK_SIM_FAIL_PROOF: "1" } },
    );
    await waitFor("failure logged by the node", () =>
      node.stdout().includes('\tERROR\tnode.atxBuilder\tfailed to generate initial proof:\t{"error": "post execution: error generating proof: status:GEN_PROOF_STATUS_ERROR"}\n'),
    90_000);
    expect(service.stderr()).toMatch(/\[\S+ ERROR post_service::client\] failed to generate proof: /);
    expect(await r.status()).toBe('"DoneProving"');
    expect((await r.postStates())[0]!.state).toBe("PROVING");
    // retried: the node asks again and gets the error again; the state does not reset
    await waitFor("second failure", () => node.stdout().split("failed to generate initial proof:").length > 2, 30_000);
    expect(await r.status()).toBe('"DoneProving"');
    kill(node, service); // (it would fail again every second while the other tests go on)
  });
});

describe.concurrent("sim post-service reconnects", () => {
  it("logs `disconnected: …` when the node goes away and registers again when it is back", async () => {
    const r = await rigWithOneIdentity();
    const nodeArgs = ["node", "--data-folder", r.data, "--config", r.config, "--cycle-gap-every", "600"];
    const node1 = sim(nodeArgs);
    await waitFor("node up", async () => (await r.postStates()).length === 1);
    const service = sim(["post-service", "--address", `http://127.0.0.1:${r.postPort}`, "--dir", r.pos, "--threads", "1", "--nonces", "16", "--reconnect-interval-s", "1"], { env: SERVICE_ENV });
    await waitFor("registered", () => node1.stdout().includes("post service registered"));
    node1.child.kill("SIGTERM");
    expect(await node1.exit).toBe(0);
    await waitFor("disconnected line", () => /INFO  post_service::client\] disconnected: (Ok\(\(\)\)|Err\(status: \w+, message: ".*")/.test(service.stderr()));
    const node2 = sim(nodeArgs);
    await waitFor("registered again", () => node2.stdout().includes(`post service registered\t{"node_id": "${r.nodeId}"}`), 30_000);
    expect(service.stderr().split("obtained metadata").length - 1).toBe(2);
    expect(service.child.exitCode).toBeNull();
    kill(node2, service);
  });
});
