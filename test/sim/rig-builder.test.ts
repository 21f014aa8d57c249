import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import * as ed from "@noble/ed25519";
import { buildDemoRig } from "../../src/sim/rig-builder.js";
import { ConfigSchema } from "../../src/config/schema.js";
import { BIN, assertBuilt, tmpDir, waitFor } from "./sim-process.js";

beforeAll(assertBuilt);
const pids: number[] = [];
afterEach(() => {
  for (const pid of pids.splice(0)) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      /* gone */
    }
  }
});

describe("buildDemoRig", () => {
  it("builds a rig whose wrappers run the simulators, with a valid postdeck.yaml; a second run reuses it", async () => {
    const dir = path.join(tmpDir(), "rig");
    const rig = await buildDemoRig({ dir, identities: 2, postdeckBin: BIN });
    expect(rig.reused).toBe(false);
    expect(fs.statSync(path.join(rig.nodeDataFolder, "identities")).mode & 0o777).toBe(0o700);
    for (const s of rig.services) {
      const key = fs.readFileSync(s.keyFile, "utf8");
      expect(fs.statSync(s.keyFile).mode & 0o777).toBe(0o600);
      expect(Buffer.from(await ed.getPublicKeyAsync(Buffer.from(key.slice(0, 64), "hex"))).toString("hex")).toBe(key.slice(64));
      const meta = JSON.parse(fs.readFileSync(path.join(s.dir, "postdata_metadata.json"), "utf8"));
      expect(Buffer.from(meta.NodeId, "base64").toString("hex")).toBe(key.slice(64));
      expect(fs.existsSync(path.join(s.dir, "identity.key"))).toBe(false);
    }
    const cfg = ConfigSchema.parse(parse(fs.readFileSync(rig.configPath, "utf8")));
    expect(cfg.demo).toBe(true);
    expect(cfg.services.map((s) => s.name)).toEqual(["post1", "post2"]);
    expect(cfg.defaults.binary).toBe(rig.bin.postService);
    expect(cfg.node.log?.command?.[0]).toBe(rig.bin.node);
    expect(cfg.node.grpc.post).toBe(rig.grpc.post);
    const nodeCfg = JSON.parse(fs.readFileSync(rig.nodeConfigPath, "utf8"));
    expect(nodeCfg.smeshing["smeshing-start"]).toBe(false);
    expect(nodeCfg.api["grpc-post-listener"]).toBe(rig.grpc.post);

    // the postcli wrapper answers -printProviders (asked at every daemon start) as the simulator does
    for (const env of [{}, { POSTDECK_SIM_NO_GPU: "1" }]) {
      const opts = { encoding: "utf8" as const, env: { ...process.env, ...env } };
      expect(execFileSync(rig.bin.postcli, ["-printProviders"], opts)).toBe(execFileSync(process.execPath, [BIN, "sim", "postcli", "-printProviders"], opts));
    }

    // the wrappers run: node from the yaml's command, one service
    let nodeOut = "";
    const node = spawn(cfg.node.log!.command![0]!, cfg.node.log!.command!.slice(1), { detached: true, stdio: ["ignore", "pipe", "pipe"] });
    pids.push(node.pid!);
    node.stdout.on("data", (d: Buffer) => (nodeOut += d.toString()));
    await waitFor("node keys", () => nodeOut.includes("Loaded 2 identities from disk"));
    let svcErr = "";
    const svc = spawn(rig.bin.postService, ["--address", `http://${rig.grpc.post}`, "--dir", rig.services[0]!.dir, "--threads", "1", "--nonces", "16", "--randomx-mode", "light"], {
      detached: true,
      stdio: ["ignore", "ignore", "pipe"],
    });
    pids.push(svc.pid!);
    svc.stderr.on("data", (d: Buffer) => (svcErr += d.toString()));
    await waitFor("registration", () => nodeOut.includes("post service registered"));
    expect(svcErr).toContain("obtained metadata");
    process.kill(-node.pid!, "SIGTERM");
    await new Promise((r) => node.on("close", r));

    const again = await buildDemoRig({ dir, identities: 5, postdeckBin: BIN });
    expect(again.reused).toBe(true);
    expect(again.services.length).toBe(2);
    expect(again.grpc).toEqual(rig.grpc);
  });
});
