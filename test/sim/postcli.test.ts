import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fs from "node:fs";
import path from "node:path";
import * as ed from "@noble/ed25519";
import { COMMITMENT, assertBuilt, initPos, killAll, simRun, tmpDir } from "./sim-process.js";

const GO_LOG = String.raw`\d{4}/\d\d/\d\d \d\d:\d\d:\d\d `;

beforeAll(assertBuilt);
// each test has its own dirs, ports and processes: the tests run side by side, their processes
// killed after the file
afterAll(killAll);

describe.concurrent("sim postcli", () => {
  it("prints the providers in go-spew format: one GPU, then the CPU provider", async () => {
    const r = await simRun(["postcli", "-printProviders"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\(\[\]postrs\.Provider\) \(len=2 cap=2\) \{\n \(postrs\.Provider\) \{\n  ID: \(uint32\) 0,\n  Model: \(string\) \(len=\d+\) "\[GPU\] [^"]+",\n  DeviceType: \(postrs\.DeviceClass\) GPU\n \},\n/);
    expect(r.stdout.endsWith(
      ' (postrs.Provider) {\n  ID: (uint32) 4294967295,\n  Model: (string) (len=17) "[CPU] scrypt-jane",\n  DeviceType: (postrs.DeviceClass) CPU\n }\n}\n',
    )).toBe(true);
    const gpu = /\(len=(\d+)\) "(\[GPU\][^"]+)"/.exec(r.stdout)!;
    expect(Number(gpu[1])).toBe(Buffer.byteLength(gpu[2]!));
  });

  it("rejects an unknown flag as Go's flag package does (exit 2, usage)", async () => {
    const r = await simRun(["postcli", "-bogus"]);
    expect(r.code).toBe(2);
    expect(r.stderr.startsWith("flag provided but not defined: -bogus\nUsage of postcli:\n")).toBe(true);
    expect(r.stderr).toContain("  -numUnits uint\n    \tnumber of units (default 4)\n");
    expect(r.stderr).toContain("  -provider uint\n    \tcompute provider id (required) (default 18446744073709551615)\n");
    expect(r.stderr).toContain("  -yes\n    \t");
    const bad = await simRun(["postcli", "-numUnits", "x"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^invalid value "x" for flag -numUnits: parse error\n/);
  });

  it("requires -provider, -numUnits and -commitmentAtxId with the real messages (exit 1)", async () => {
    const dir = tmpDir();
    const noProvider = await simRun(["postcli", "-numUnits", "4", "-datadir", dir]);
    expect(noProvider.code).toBe(1);
    expect(noProvider.stderr).toMatch(new RegExp(`^${GO_LOG}-provider flag is required\n$`));
    const noUnits = await simRun(["postcli", "-provider", "0", "-datadir", dir]);
    expect(noUnits.code).toBe(1);
    expect(noUnits.stderr).toContain("-numUnits must be specified to perform initialization.");
    const noAtx = await simRun(["postcli", "-provider", "0", "-numUnits", "4", "-datadir", dir]);
    expect(noAtx.code).toBe(1);
    expect(noAtx.stderr).toContain("-commitmentAtxId must be specified");
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it("asks before a non-default labelsPerUnit and aborts on a closed stdin", async () => {
    const dir = tmpDir();
    const args = ["postcli", "-provider", "0", "-numUnits", "4", "-labelsPerUnit", "4096", "-maxFileSize", "16384", "-commitmentAtxId", COMMITMENT, "-datadir", dir];
    const closed = await simRun(args, { stdin: "closed" });
    expect(closed.code).toBe(1);
    expect(closed.stderr).toMatch(new RegExp(`${GO_LOG}Are you sure you want to continue \\(y/N\\)\\?\n${GO_LOG}Aborting\n$`));
    expect(fs.existsSync(path.join(dir, "identity.key"))).toBe(false);
    const no = await simRun(args, { stdin: "n\n" });
    expect(no.code).toBe(1);
    const yes = await simRun(args, { stdin: "y\n", env: { POSTDECK_SIM_INIT_BPS: "0" } });
    expect(yes.code).toBe(0);
    expect(yes.stderr).toContain("cli: initialization completed");
  });

  it("initialises: identity.key, exact metadata JSON, data files of the right sizes, zap progress lines", async () => {
    const dir = tmpDir();
    const r = await initPos(dir);
    expect(r.code).toBe(0);
    // identity.key: 128 lowercase hex, no newline, 0600, seed ‖ pub
    const keyFile = path.join(dir, "identity.key");
    const key = fs.readFileSync(keyFile, "utf8");
    expect(key).toMatch(/^[0-9a-f]{128}$/);
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    const pub = Buffer.from(await ed.getPublicKeyAsync(Buffer.from(key.slice(0, 64), "hex"))).toString("hex");
    expect(pub).toBe(key.slice(64));
    // metadata
    const text = fs.readFileSync(path.join(dir, "postdata_metadata.json"), "utf8");
    const meta = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(meta)).toEqual(["NodeId", "CommitmentAtxId", "LabelsPerUnit", "NumUnits", "MaxFileSize", "Nonce", "NonceValue"]);
    expect(text.startsWith('{\n\t"NodeId": "')).toBe(true);
    expect(text.endsWith("\n}")).toBe(true);
    expect(text).toBe(JSON.stringify(meta, null, "\t"));
    expect(Buffer.from(meta["NodeId"] as string, "base64").toString("hex")).toBe(key.slice(64));
    expect(Buffer.from(meta["CommitmentAtxId"] as string, "base64").toString("hex")).toBe(COMMITMENT);
    expect(meta).toMatchObject({ LabelsPerUnit: 4096, NumUnits: 4, MaxFileSize: 16384 });
    expect(meta["NonceValue"]).toMatch(/^[0-9a-f]{32}$/);
    // files: ceil(4 * 4096 / (16384/16)) = 16 files of 16 KiB
    const bins = fs.readdirSync(dir).filter((f) => /^postdata_\d+\.bin$/.test(f));
    expect(bins.length).toBe(16);
    for (const b of bins) expect(fs.statSync(path.join(dir, b)).size).toBe(16384);
    // logs
    expect(r.stderr).toMatch(new RegExp(`^${GO_LOG}WARNING: labelsPerUnit`));
    expect(r.stderr).toMatch(new RegExp(`${GO_LOG}cli: generating new identity\n${GO_LOG}generated key in identity.key\n${GO_LOG}copy this file to the \`data/identities\` directory of your node\n`));
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toMatch(new RegExp(String.raw`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|[+-]\d{4})\tINFO\tinitialization started\t\{"datadir": "${dir}", "numUnits": 4, "maxFileSize": 16384, "labelsPerUnit": 4096\}$`));
    expect(lines[1]).toMatch(/\tINFO\tinitialization file layout\t\{"labelsPerFile": 1024, "labelsLastFile": 1024, "firstFileIndex": 0, "lastFileIndex": 15\}$/);
    expect(lines[2]).toMatch(/\tINFO\tinitialization: starting to write file\t\{"fileIndex": 0, "currentNumLabels": 0, "targetNumLabels": 1024, "startPosition": 0\}$/);
    expect(r.stdout).toMatch(/\tINFO\tinitialization: completed\t\{"fileIndex": 15, "numLabelsWritten": 1024\}\n/);
    expect(r.stdout).toMatch(/\tINFO\tinitialization: found new best nonce\t\{"fileIndex": 0, "nonce": \d+, "value": "[0-9a-f]{32}"\}\n/);
    expect(r.stdout).not.toContain("DEBUG");
  });

  it("resumes an interrupted init, keeps the identity, and logs DEBUG status with -logLevel debug", async () => {
    const dir = tmpDir();
    expect((await initPos(dir)).code).toBe(0);
    const key = fs.readFileSync(path.join(dir, "identity.key"), "utf8");
    fs.truncateSync(path.join(dir, "postdata_3.bin"), 5000);
    fs.rmSync(path.join(dir, "postdata_9.bin"));
    const r = await initPos(dir, ["-logLevel", "debug"]);
    expect(r.code).toBe(0);
    expect(fs.readFileSync(path.join(dir, "identity.key"), "utf8")).toBe(key);
    expect(r.stderr).not.toContain("generating new identity");
    expect(r.stdout).toMatch(/initialization: file already initialized\t\{"fileIndex": 0, "currentNumLabels": 1024, "targetNumLabels": 1024, "startPosition": 0\}/);
    expect(r.stdout).toMatch(/initialization: continuing to write file\t\{"fileIndex": 3, "currentNumLabels": 312, "targetNumLabels": 1024, "startPosition": 3072\}/);
    expect(r.stdout).toMatch(/initialization: starting to write file\t\{"fileIndex": 9, "currentNumLabels": 0/);
    expect(r.stdout).toMatch(/\tDEBUG\tinitialization: status\t\{"fileIndex": 9, "currentPosition": \d+, "remaining": \d+\}/);
    expect(fs.statSync(path.join(dir, "postdata_3.bin")).size).toBe(16384);
    expect(fs.statSync(path.join(dir, "postdata_9.bin")).size).toBe(16384);
    // the data is the same as a fresh init would write: -verify checks it
    const v = await simRun(["postcli", "-verify", "-datadir", dir, "-fraction", "100"]);
    expect(v.stderr).toContain("cli: POS data is valid");
  });

  it("refuses a resume with another commitment or id, and -reset deletes data but not the key", async () => {
    const dir = tmpDir();
    expect((await initPos(dir)).code).toBe(0);
    const other = await simRun(
      ["postcli", "-provider=0", "-numUnits", "4", "-labelsPerUnit", "4096", "-maxFileSize", "16384", "-commitmentAtxId", "cd".repeat(32), "-datadir", dir, "-yes"],
    );
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(new RegExp(`${GO_LOG}WARNING: it appears that ${dir} was previously initialized with a different \`commitmentAtxId\` value.\n${GO_LOG}aborting\n$`));
    const otherId = await initPos(dir, ["-id", "ee".repeat(32)]);
    expect(otherId.code).toBe(1);
    expect(otherId.stderr).toContain("was previously initialized with a different `id` value.");
    const reset = await simRun(["postcli", "-provider=0", "-reset", "-datadir", dir]);
    expect(reset.code).toBe(0);
    expect(fs.readdirSync(dir)).toEqual(["identity.key"]);
  });
});

describe.concurrent("sim postcli interrupted", () => {
  it("leaves consistent files on SIGINT mid-init; the next run continues and the data verifies (-genproof)", async () => {
    const { sim, waitFor } = await import("./sim-process.js");
    const dir = tmpDir();
    const p = sim(
      ["postcli", "-provider=0", "-numUnits", "4", "-labelsPerUnit", "4096", "-maxFileSize", "16384", "-commitmentAtxId", COMMITMENT, "-datadir", dir, "-yes"],
      { env: { POSTDECK_SIM_INIT_BPS: String(32 * 1024) } },
    );
    await waitFor("file 2 started", () => p.stdout().includes('starting to write file\t{"fileIndex": 2'));
    p.child.kill("SIGINT");
    expect(await p.exit).toBe(0);
    expect(p.stderr()).toMatch(/cli: initialization interrupted\n$/);
    const meta = JSON.parse(fs.readFileSync(path.join(dir, "postdata_metadata.json"), "utf8"));
    expect(meta.NumUnits).toBe(4);
    for (const f of fs.readdirSync(dir).filter((n) => n.endsWith(".bin"))) expect(fs.statSync(path.join(dir, f)).size % 16).toBe(0);
    expect(fs.readdirSync(dir).filter((n) => n.endsWith(".bin")).length).toBeLessThan(16);
    const r = await initPos(dir, ["-genproof"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('initialization: file already initialized\t{"fileIndex": 0');
    expect(r.stderr).toContain("cli: generating proof as a sanity test");
    expect(r.stderr).toContain("cli: proof is valid");
  });
});

describe.concurrent("sim postcli resume checks", () => {
  it("asks before changing numUnits, and reports an identity.key that does not match the metadata", async () => {
    const dir = tmpDir();
    expect((await initPos(dir)).code).toBe(0);
    const more = await simRun(
      ["postcli", "-provider=0", "-numUnits", "5", "-labelsPerUnit", "4096", "-maxFileSize", "16384", "-commitmentAtxId", COMMITMENT, "-datadir", dir],
      { stdin: "closed" },
    );
    expect(more.code).toBe(1);
    expect(more.stderr).toMatch(new RegExp(`${GO_LOG}Are you sure you want to continue \\(y/N\\)\\?\n${GO_LOG}Aborting\n$`));
    expect(JSON.parse(fs.readFileSync(path.join(dir, "postdata_metadata.json"), "utf8")).NumUnits).toBe(4);
    const outOfRange = await simRun(
      ["postcli", "-provider=0", "-numUnits", "2", "-commitmentAtxId", COMMITMENT, "-datadir", tmpDir()],
      { stdin: "closed" },
    );
    expect(outOfRange.code).toBe(1);
    expect(outOfRange.stderr).toContain("Are you sure you want to continue (y/N)?");
    // another identity's key in the dir
    const other = tmpDir();
    expect((await initPos(other)).code).toBe(0);
    fs.copyFileSync(path.join(other, "identity.key"), path.join(dir, "identity.key"));
    const r = await initPos(dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`${GO_LOG}WARNING: inconsistent state: identity.key file does not match metadata in ${dir}\n${GO_LOG}aborting\n$`));
  });
});
