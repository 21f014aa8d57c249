// On Linux the hardware sampler reads the mount table and the CPU temperature itself, with async
// reads, instead of through systeminformation (whose fsSize and cpuTemperature run execSync and
// hold the daemon's event loop while a shell starts), and the CPU model from the kernel's model
// name (si.cpu() runs lscpu, dmidecode and cat at each daemon start).
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { cpuModelName, parseMeminfo, parseMounts, readCpuTemperature, readGpuDevices } from "../../../src/core/hardware/linux-readings.js";
import { cleanupTempDirs, tempDir } from "../../helpers/temp-dir.js";

vi.mock("systeminformation/lib/filesystem.js", () => ({ fsSize: () => Promise.reject(new Error("systeminformation used")) }));
vi.mock("systeminformation/lib/memory.js", () => ({ mem: () => Promise.reject(new Error("systeminformation used")) }));
vi.mock("systeminformation/lib/cpu.js", () => ({
  cpu: () => Promise.reject(new Error("systeminformation used")),
  cpuTemperature: () => Promise.reject(new Error("systeminformation used")),
}));

afterEach(() => cleanupTempDirs());

function files(root: string, entries: Record<string, string>): void {
  for (const [rel, text] of Object.entries(entries)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text + "\n");
  }
}

describe("linux readings", () => {
  it("parses the mount table, leaving out pseudo filesystems and unescaping names", () => {
    const text = [
      "/dev/vda1 / ext4 rw,relatime 0 0",
      "proc /proc proc rw 0 0",
      "cgroup2 /sys/fs/cgroup cgroup2 rw 0 0",
      "/dev/mapper/vg-pos /mnt/pos\\040disk xfs rw 0 0",
      "tank/pos /tank/pos zfs rw 0 0",
      "tmpfs /run tmpfs rw 0 0",
      "/dev/loop3 /snap/core/1 squashfs ro 0 0",
    ].join("\n");
    expect(parseMounts(text)).toEqual([
      { mount: "/", device: "/dev/vda1" },
      { mount: "/mnt/pos disk", device: "/dev/mapper/vg-pos" },
      { mount: "/tank/pos", device: "tank/pos" },
      { mount: "/run", device: "tmpfs" },
    ]);
  });

  it("reads the CPU temperature from hwmon (Tctl, else package, else the cores' mean), else a CPU thermal zone", async () => {
    const amd = tempDir();
    files(amd, { "hwmon/hwmon0/temp1_label": "Tctl", "hwmon/hwmon0/temp1_input": "54250", "hwmon/hwmon1/temp1_label": "Composite", "hwmon/hwmon1/temp1_input": "38000" });
    expect(await readCpuTemperature(amd)).toBe(54.3);
    const intel = tempDir();
    files(intel, {
      "hwmon/hwmon2/temp1_label": "Package id 0", "hwmon/hwmon2/temp1_input": "61000",
      "hwmon/hwmon2/temp2_label": "Core 0", "hwmon/hwmon2/temp2_input": "58000",
    });
    expect(await readCpuTemperature(intel)).toBe(61);
    const cores = tempDir();
    files(cores, { "hwmon/hwmon0/temp2_label": "Core 0", "hwmon/hwmon0/temp2_input": "50000", "hwmon/hwmon0/temp3_label": "Core 1", "hwmon/hwmon0/temp3_input": "53000" });
    expect(await readCpuTemperature(cores)).toBe(52); // 51.5 rounded, as systeminformation does
    const zone = tempDir();
    files(zone, { "thermal/thermal_zone0/type": "acpitz", "thermal/thermal_zone0/temp": "27800", "thermal/thermal_zone1/type": "x86_pkg_temp", "thermal/thermal_zone1/temp": "47000" });
    expect(await readCpuTemperature(zone)).toBe(47);
    expect(await readCpuTemperature(tempDir())).toBeNull();
  });

  it("names the CPU from the kernel's model name as systeminformation's cpu() does (maker, then the brand without its first word, no frequency or CPU)", () => {
    expect(cpuModelName("Intel(R) Core(TM) i7-8700 CPU @ 3.20GHz")).toBe("Intel Core™ i7-8700");
    expect(cpuModelName("Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz")).toBe("Intel Xeon® Gold 6130");
    expect(cpuModelName("AMD Ryzen 9 5950X 16-Core Processor")).toBe("AMD Ryzen 9 5950X 16-Core Processor");
    expect(cpuModelName("AMD EPYC")).toBe("AMD EPYC");
    expect(cpuModelName("QEMU Virtual CPU version 2.5+")).toBe("QEMU Virtual version 2.5+");
    expect(cpuModelName("AMD Ryzen 7 PRO 4750U with Radeon Graphics Unknown CPU @ 1.7GHz")).toBe("AMD Ryzen 7 PRO 4750U with Radeon Graphics");
    // none (arm64 has no model name line; libuv says "unknown"): systeminformation is asked instead
    expect(cpuModelName("unknown")).toBeNull();
    expect(cpuModelName("")).toBeNull();
  });

  it("reads memory from /proc/meminfo as systeminformation's mem() does: available is MemAvailable, else free + buffers + cached + slab", () => {
    const info = (avail: string) => `MemTotal:       16000000 kB\nMemFree:         2000000 kB\n${avail}Buffers:          100000 kB\nCached:          3000000 kB\nSwapCached:        50000 kB\nSlab:             400000 kB\n`;
    expect(parseMeminfo(info("MemAvailable:    9000000 kB\n"))).toEqual({ totalBytes: 16000000 * 1024, usedBytes: 7000000 * 1024, availableBytes: 9000000 * 1024 });
    // kernels before 3.14 have no MemAvailable
    expect(parseMeminfo(info(""))).toEqual({ totalBytes: 16000000 * 1024, usedBytes: 10500000 * 1024, availableBytes: 5500000 * 1024 });
  });

  it("tells the GPUs graphics() could find from /sys/bus/pci (display and accelerator devices, their drivers), \"\" for none, null where it cannot tell", async () => {
    const root = tempDir();
    const pci = path.join(root, "devices");
    const dev = (addr: string, cls: string, vendor: string, device: string) =>
      files(pci, { [`${addr}/class`]: cls, [`${addr}/vendor`]: vendor, [`${addr}/device`]: device });
    dev("0000:00:00.0", "0x060000", "0x8086", "0x0d57"); // host bridge
    dev("0000:00:03.0", "0x020000", "0x1af4", "0x1041"); // network
    const model = path.join(root, "no-device-tree-model"); // a PC
    expect(await readGpuDevices(pci, model)).toBe("");
    dev("0000:01:00.0", "0x030000", "0x10de", "0x2206");
    dev("0000:02:00.0", "0x120000", "0x1002", "0x738c");
    expect(await readGpuDevices(pci, model)).toBe("0000:01:00.0 0x030000 0x10de 0x2206 -\n0000:02:00.0 0x120000 0x1002 0x738c -");
    mkdirSync(path.join(root, "drivers/nvidia"), { recursive: true });
    symlinkSync(path.join(root, "drivers/nvidia"), path.join(pci, "0000:01:00.0/driver"));
    expect(await readGpuDevices(pci, model)).toBe("0000:01:00.0 0x030000 0x10de 0x2206 nvidia\n0000:02:00.0 0x120000 0x1002 0x738c -");
    expect(await readGpuDevices(path.join(root, "no-pci"), model)).toBeNull();
    files(root, { pi: "Raspberry Pi 4 Model B Rev 1.4\0" }); // /proc/device-tree/model
    expect(await readGpuDevices(pci, path.join(root, "pi"))).toBeNull();
  });

  it.runIf(process.platform === "linux")("the system sources use them, not systeminformation, on Linux", async () => {
    const { systemSources } = await import("../../../src/core/hardware/system-sources.js");
    const mounts = await systemSources.mounts();
    expect(mounts.some((m) => m.mount === "/")).toBe(true);
    const model = cpuModelName(os.cpus()[0]?.model ?? "");
    if (model !== null) expect(await systemSources.cpuModel()).toBe(model); // nothing spawned for it
    const m = await systemSources.memory();
    expect(m.totalBytes).toBe(parseMeminfo(readFileSync("/proc/meminfo", "utf8")).totalBytes);
    expect(m.availableBytes).toBeGreaterThan(0);
    const t = await systemSources.cpuTemperature();
    expect(t === null || typeof t === "number").toBe(true);
  });
});
