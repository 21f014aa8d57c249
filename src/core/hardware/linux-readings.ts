// What the hardware sampler reads on Linux without spawning anything: the mount table from
// /proc/self/mounts, memory from /proc/meminfo, the CPU model from the kernel's model name and the
// CPU temperature from /sys (hwmon sensors, else thermal zones), all with async reads.
// systeminformation's fsSize() and cpuTemperature() get the same answers through execSync (`cat
// /proc/mounts`, `cat /sys/class/thermal/…`), which holds the daemon's event loop for as long as a
// shell takes to start: hundreds of ms on a loaded machine; its mem() reads the same file, but
// loading its modules costs the daemon's start-up (system-sources.ts).
import { promises as fsp } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { MountEntry } from "./volumes.js";

/** Filesystems that hold no files of anyone's (df leaves them out, so did systeminformation). */
const PSEUDO = new Set([
  "proc", "sysfs", "devpts", "cgroup", "cgroup2", "securityfs", "debugfs", "tracefs", "mqueue",
  "pstore", "bpf", "autofs", "hugetlbfs", "configfs", "fusectl", "binfmt_misc", "squashfs", "nsfs",
  "rpc_pipefs", "efivarfs", "selinuxfs", "ramfs",
]);

/** /proc/mounts escapes space, tab, newline and backslash as octal (\040 …). */
function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** The mounts of a /proc/self/mounts text that can hold files, in table order. */
export function parseMounts(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split("\n")) {
    const [device, mount, type] = line.split(" ");
    if (!device || !mount || !type || PSEUDO.has(type)) continue;
    out.push({ mount: unescapeMount(mount), device: unescapeMount(device) });
  }
  return out;
}

export async function readMounts(file = "/proc/self/mounts"): Promise<MountEntry[]> {
  return parseMounts(await fsp.readFile(file, "utf8"));
}

/**
 * Memory from a /proc/meminfo text as systeminformation's mem() reads it on Linux: available is
 * MemAvailable (else free + buffers + cached + slab), "used" is what people read as used (htop,
 * free's "used"): total less available.
 */
export function parseMeminfo(text: string): { totalBytes: number; usedBytes: number; availableBytes: number } {
  const kb = new Map<string, number>();
  for (const line of text.split("\n")) {
    const m = /^(\w+):\s+(\d+)/.exec(line);
    if (m) kb.set(m[1]!, Number(m[2]) * 1024);
  }
  const total = kb.get("MemTotal") || os.totalmem();
  const free = kb.get("MemFree") || os.freemem();
  const available = kb.get("MemAvailable") || free + (kb.get("Buffers") ?? 0) + (kb.get("Cached") ?? 0) + (kb.get("Slab") ?? 0);
  return { totalBytes: total, usedBytes: Math.max(0, total - available), availableBytes: available };
}

export async function readMemory(file = "/proc/meminfo"): Promise<{ totalBytes: number; usedBytes: number; availableBytes: number }> {
  return parseMeminfo(await fsp.readFile(file, "utf8"));
}

async function readText(file: string): Promise<string | null> {
  try {
    return (await fsp.readFile(file, "utf8")).trim();
  } catch {
    return null;
  }
}

async function list(dir: string): Promise<string[]> {
  try {
    return (await fsp.readdir(dir)).sort();
  } catch {
    return [];
  }
}

/** millidegrees → °C with one decimal, as systeminformation rounds. */
function celsius(milli: string | null): number | null {
  if (milli === null) return null;
  const v = parseInt(milli, 10);
  return Number.isFinite(v) && v !== 0 ? Math.round(v / 100) / 10 : null;
}

/**
 * The CPU's temperature (°C) as systeminformation's cpuTemperature().main picks it on Linux:
 * hwmon sensors labelled Tctl/Tdie (AMD), else Package/Physical/Tccd1, else the mean of the Core
 * sensors; without any, a thermal zone whose type names the CPU (x86_pkg_temp, cpu-thermal).
 * null when there is none (a VM, a container without /sys/class/hwmon).
 */
export async function readCpuTemperature(sysClass = "/sys/class"): Promise<number | null> {
  let tctl: number | null = null;
  let pkg: number | null = null;
  const cores: number[] = [];
  for (const mon of await list(path.join(sysClass, "hwmon"))) {
    const dir = path.join(sysClass, "hwmon", mon);
    for (const f of await list(dir)) {
      if (!/^temp\d+_label$/.test(f)) continue;
      const label = (await readText(path.join(dir, f)))?.toLowerCase() ?? "";
      const v = celsius(await readText(path.join(dir, f.replace(/_label$/, "_input"))));
      if (v === null) continue;
      if (label === "tctl" || label === "tdie") tctl ??= v;
      else if (label.startsWith("core")) cores.push(v);
      else if (pkg === null && (label.includes("package") || label.includes("physical") || label === "tccd1")) pkg = v;
    }
  }
  if (tctl !== null) return tctl;
  if (pkg !== null) return pkg;
  if (cores.length > 0) return Math.round(cores.reduce((a, b) => a + b, 0) / cores.length);
  for (const zone of await list(path.join(sysClass, "thermal"))) {
    if (!zone.startsWith("thermal_zone")) continue;
    const type = (await readText(path.join(sysClass, "thermal", zone, "type")))?.toLowerCase() ?? "";
    if (!type.includes("cpu") && type !== "x86_pkg_temp") continue;
    const v = celsius(await readText(path.join(sysClass, "thermal", zone, "temp")));
    if (v !== null) return v;
  }
  return null;
}

/** Makers as systeminformation names them from a brand string (its cpuManufacturer()). */
const MAKERS: [string, string][] = [
  ["intel", "Intel"], ["amd", "AMD"], ["qemu", "QEMU"], ["hygon", "Hygon"], ["centaur", "WinChip/Via"], ["vmware", "VMware"],
  ["tcg", "QEMU"], ["apple", "Apple"], ["sifive", "SiFive"], ["thead", "T-Head"], ["andestech", "Andes Technology"],
];

/**
 * The CPU model as the sampler shows it (systeminformation's cpu() manufacturer + brand) from the
 * kernel's model name (os.cpus()[0].model, read from /proc/cpuinfo: nothing spawned): "Intel(R)
 * Core(TM) i7-8700 CPU @ 3.20GHz" → "Intel Core™ i7-8700". si.cpu() takes the same line from lscpu
 * (and runs lscpu twice, dmidecode and cat to fill fields the sampler does not show: ~0.2 CPU-s
 * per daemon start). null when the kernel gives none (arm64 has no model name line: lscpu knows
 * the core's name from its own tables, so systeminformation is asked there).
 */
export function cpuModelName(model: string): string | null {
  let brand = model.replace(/To Be Filled By O\.E\.M\./g, "").split("@")[0]!.trim();
  if (brand.includes("Unknown")) brand = brand.split("Unknown")[0]!.trim();
  if (brand === "" || brand.toLowerCase() === "unknown") return null;
  brand = brand.replace(/\(R\)+/g, "®").replace(/\(TM\)+/g, "™").replace(/\(C\)+/g, "©").replace(/CPU+/g, "").replace(/\s+/g, " ").trim();
  const [first = "", ...rest] = brand.split(" ");
  const lower = brand.toLowerCase();
  // the last maker named wins, as in systeminformation
  const maker = MAKERS.filter(([key]) => lower.includes(key)).at(-1)?.[1] ?? first;
  return [maker, ...rest].join(" ").trim() || null;
}

/** PCI classes a GPU systeminformation's graphics() finds (lspci's VGA / 3D / display, clinfo's) can have: display, accelerator. */
const GPU_CLASSES = ["0x03", "0x12"];

/**
 * What graphics() could find, read from /sys without spawning anything: one line per PCI display or
 * processing-accelerator device (address, class, vendor, device, bound driver), "" when there is
 * none. graphics() (lspci, clinfo, xdpyinfo, xrandr, nvidia-smi: ~0.4 CPU-s in helper processes)
 * need not run again while this stays the same. null when it cannot tell: no /sys/bus/pci, or a
 * Raspberry Pi, whose GPU graphics() finds without PCI.
 */
export async function readGpuDevices(pciDevices = "/sys/bus/pci/devices", model = "/proc/device-tree/model"): Promise<string | null> {
  let names: string[];
  try {
    names = (await fsp.readdir(pciDevices)).sort();
  } catch {
    return null;
  }
  // the board's name from its device tree (none on a PC): what /proc/cpuinfo's Model line shows on a
  // Pi, without reading /proc/cpuinfo (slow on some kernels: it asks every core for its clock)
  if ((await readText(model))?.includes("Raspberry Pi")) return null;
  const lines: string[] = [];
  for (const name of names) {
    const dir = path.join(pciDevices, name);
    const cls = await readText(path.join(dir, "class"));
    if (cls === null || !GPU_CLASSES.some((c) => cls.startsWith(c))) continue;
    const [vendor, device] = await Promise.all([readText(path.join(dir, "vendor")), readText(path.join(dir, "device"))]);
    const driver = await fsp.readlink(path.join(dir, "driver")).then((l) => path.basename(l), () => "-");
    lines.push(`${name} ${cls} ${vendor ?? "?"} ${device ?? "?"} ${driver}`);
  }
  return lines.join("\n");
}
