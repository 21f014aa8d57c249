import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  CPU_PROVIDER_ID,
  gpuTemperatures,
  parsePrintProviders,
  providersFromGraphics,
  type RunResult,
  runCommand,
  runPrintProviders,
} from "../../../src/core/hardware/providers.js";
import { ProviderSchema } from "../../../src/protocol/model.js";
import { tempDir } from "../../helpers/temp-dir.js";

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), "../../fixtures/hardware");
const fixture = (name: string) => readFileSync(path.join(fixtures, name), "utf8");

describe("parsePrintProviders (spew.Dump([]postrs.Provider))", () => {
  it("reads GPUs with long (63-byte) model names and the CPU provider 4294967295", () => {
    const list = parsePrintProviders(fixture("print-providers-uint32.txt"));
    expect(list).toEqual([
      { id: 0, model: "[GPU] NVIDIA CUDA/NVIDIA GeForce RTX 4090 Laptop GPU with Max-Q", type: "GPU" },
      { id: 1, model: "[GPU] AMD Accelerated Parallel Processing/gfx1030", type: "GPU" },
      { id: CPU_PROVIDER_ID, model: "[CPU] scrypt-jane", type: "CPU" },
    ]);
    for (const p of list ?? []) ProviderSchema.parse(p);
  });

  it("reads the older `ID: (uint) N` form", () => {
    expect(parsePrintProviders(fixture("print-providers-uint.txt"))).toEqual([
      { id: 0, model: "[GPU] NVIDIA CUDA/NVIDIA GeForce RTX 3080", type: "GPU" },
      { id: 4294967295, model: "[CPU] scrypt-jane", type: "CPU" },
    ]);
  });

  it("reads a CPU-only machine, an empty and a nil list", () => {
    expect(parsePrintProviders(fixture("print-providers-cpu-only.txt"))).toEqual([
      { id: 4294967295, model: "[CPU] scrypt-jane", type: "CPU" },
    ]);
    expect(parsePrintProviders("([]postrs.Provider) {\n}\n")).toEqual([]);
    expect(parsePrintProviders("([]postrs.Provider) <nil>\n")).toEqual([]);
  });

  it("decodes Go-quoted model strings and tolerates a numeric device class", () => {
    const text =
      '([]postrs.Provider) (len=1 cap=1) {\n (postrs.Provider) {\n  ID: (uint32) 2,\n' +
      '  Model: (string) (len=24) "[GPU] Vendor \\"X\\"/Dev\\x41",\n  DeviceType: (postrs.DeviceClass) 1\n }\n}\n';
    expect(parsePrintProviders(text)).toEqual([{ id: 2, model: '[GPU] Vendor "X"/DevA', type: "GPU" }]);
  });

  it("returns null for output that is not the dump", () => {
    expect(parsePrintProviders("")).toBeNull();
    expect(parsePrintProviders(fixture("print-providers-error.stderr.txt"))).toBeNull();
  });
});

describe("runPrintProviders", () => {
  const ok = (stdout: string): RunResult => ({ exitCode: 0, stdout, stderr: "", failure: null });

  it("runs `<binary> -printProviders` and parses its stdout", async () => {
    const calls: string[][] = [];
    const r = await runPrintProviders("/opt/postcli", {
      run: async (bin, args, timeoutMs) => {
        calls.push([bin, ...args, String(timeoutMs)]);
        return ok(fixture("print-providers-uint32.txt"));
      },
    });
    expect(calls).toEqual([["/opt/postcli", "-printProviders", "10000"]]);
    expect(r.source).toBe("postcli");
    expect(r.error).toBeNull();
    expect(r.providers.map((p) => p.id)).toEqual([0, 1, 4294967295]);
  });

  it("on exit 1 returns the error text without Go's log timestamp", async () => {
    const r = await runPrintProviders("/opt/postcli", {
      run: async () => ({ exitCode: 1, stdout: "", stderr: fixture("print-providers-error.stderr.txt"), failure: null }),
    });
    expect(r.providers).toEqual([]);
    expect(r.error).toContain("failed to get OpenCL providers");
    expect(r.error).toContain("exited with code 1");
    expect(r.error).not.toMatch(/2024\/12\/08/);
    expect(r.error).toContain("/opt/postcli");
  });

  it("says so when the output is not a provider list", async () => {
    const r = await runPrintProviders("/usr/bin/true", { run: async () => ok("hello\n") });
    expect(r.providers).toEqual([]);
    expect(r.error).toMatch(/unrecognised output/);
  });

  describe("with real processes", () => {
    const dir = tempDir("postdeck-hw-providers-");
    const script = (name: string, body: string) => {
      const p = path.join(dir, name);
      writeFileSync(p, `#!/bin/sh\n${body}\n`);
      chmodSync(p, 0o755);
      return p;
    };

    it("parses a real program's stdout", async () => {
      const bin = script("postcli", `cat '${path.join(fixtures, "print-providers-uint32.txt")}'`);
      const r = await runPrintProviders(bin);
      expect(r.error).toBeNull();
      expect(r.providers).toHaveLength(3);
    });

    it("reports a failing program's stderr", async () => {
      const bin = script("postcli-noocl", `cat '${path.join(fixtures, "print-providers-error.stderr.txt")}' >&2; exit 1`);
      const r = await runPrintProviders(bin);
      expect(r.error).toMatch(/exited with code 1: failed to get OpenCL providers/);
    });

    it("reports a missing binary and a hung one, never throws", async () => {
      const missing = await runPrintProviders(path.join(dir, "nope"));
      expect(missing.error).toMatch(/not found.*check the path/);
      const hung = await runPrintProviders(script("postcli-hang", "exec sleep 30"), { timeoutMs: 300 });
      expect(hung.error).toMatch(/did not finish within/);
    });

    it("runs a command without a shell: its output and exit code, a file that is not executable, a cancelled run", async () => {
      const ok = await runCommand(script("says", `echo "out $1"; echo err >&2; exit 3`), ["a b"], 5000);
      expect(ok).toEqual({ exitCode: 3, stdout: "out a b", stderr: "err", failure: null });
      const plain = path.join(dir, "plain");
      writeFileSync(plain, "not a program\n", { mode: 0o644 });
      expect((await runCommand(plain, [], 5000)).failure).toBe("not executable (permission denied)");
      const ac = new AbortController();
      const run = runCommand(script("slow", "exec sleep 30"), [], 30_000, ac.signal);
      ac.abort();
      expect(await run).toMatchObject({ exitCode: null, failure: "cancelled" });
    });
  });
});

describe("providersFromGraphics (systeminformation fallback)", () => {
  it("lists controllers as GPUs, source systeminformation", () => {
    const r = providersFromGraphics([
      { vendor: "NVIDIA Corporation", model: "GeForce RTX 3080", temperatureGpu: 61 },
      { vendor: "Intel", model: "Intel UHD Graphics 630" },
    ]);
    expect(r.source).toBe("systeminformation");
    expect(r.providers).toEqual([
      { id: 0, model: "NVIDIA Corporation GeForce RTX 3080", type: "GPU" },
      { id: 1, model: "Intel UHD Graphics 630", type: "GPU" },
    ]);
  });

  it("says none when there is no controller", () => {
    expect(providersFromGraphics([])).toEqual({ source: "none", providers: [], error: null });
  });

  it("takes only reported GPU temperatures", () => {
    expect(gpuTemperatures([{ temperatureGpu: 61 }, {}, { temperatureGpu: Number.NaN }])).toEqual([61]);
  });
});
