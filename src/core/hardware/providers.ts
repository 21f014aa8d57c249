// GPU/OpenCL compute providers: from `postcli -printProviders` (docs/spacemesh-interfaces.md §2.1) when postcli is
// configured, else the graphics controllers systeminformation reports.
import { execFile } from "node:child_process";
import type { Provider } from "../../protocol/model.js";

/** The CPU provider's id: u32::MAX (post-rs `CPU_PROVIDER_ID`). */
export const CPU_PROVIDER_ID = 4294967295;

export type ProvidersSource = "postcli" | "systeminformation" | "none";

export type ProvidersResult = {
  source: ProvidersSource;
  providers: Provider[];
  /** For people: why the list is empty or partial (postcli failed, not found, timed out …); null when fine. */
  error: string | null;
};

/** Decode a Go `%q` string literal body (spew prints strings with %q). */
function unquoteGo(body: string): string {
  let out = "";
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== "\\") {
      out += c;
      continue;
    }
    const n = body[++i];
    switch (n) {
      case "n": out += "\n"; break;
      case "t": out += "\t"; break;
      case "r": out += "\r"; break;
      case "a": out += "\x07"; break;
      case "b": out += "\b"; break;
      case "f": out += "\f"; break;
      case "v": out += "\v"; break;
      case "x": out += String.fromCharCode(parseInt(body.slice(i + 1, i + 3), 16)); i += 2; break;
      case "u": out += String.fromCodePoint(parseInt(body.slice(i + 1, i + 5), 16)); i += 4; break;
      case "U": out += String.fromCodePoint(parseInt(body.slice(i + 1, i + 9), 16)); i += 8; break;
      case undefined: break;
      default: out += n; // \\ \" \'
    }
  }
  return out;
}

const HEADER = /\(\[\]postrs\.Provider\)\s*(?:\(len=(\d+)\s+cap=\d+\)\s*)?(?:\{|<nil>)/;
const BLOCK = /\(postrs\.Provider\)\s*\{([\s\S]*?)\n\s*\}/g;
const ID = /ID:\s*\((?:uint32|uint64|uint)\)\s*(\d+)/;
const MODEL = /Model:\s*\(string\)\s*(?:\(len=\d+\)\s*)?"((?:[^"\\]|\\.)*)"/;
const DEVICE_TYPE = /DeviceType:\s*\(postrs\.DeviceClass\)\s*(\w+)/;

/**
 * Parse the stdout of `postcli -printProviders` (`spew.Dump([]postrs.Provider)`).
 * Accepts `ID: (uint32) N` and the older `ID: (uint) N`. Returns null when the text is not that
 * dump at all (so the caller can say so); [] for an empty list.
 */
export function parsePrintProviders(stdout: string): Provider[] | null {
  if (!HEADER.test(stdout)) return null;
  const providers: Provider[] = [];
  for (const m of stdout.matchAll(BLOCK)) {
    const body = m[1] ?? "";
    const id = ID.exec(body);
    const model = MODEL.exec(body);
    if (!id?.[1] || !model) continue;
    const modelText = unquoteGo(model[1] ?? "");
    const idNum = Number(id[1]);
    const dt = DEVICE_TYPE.exec(body)?.[1]?.toUpperCase();
    // DeviceClass prints as GPU/CPU (String method); if a release printed a number, fall back to
    // the model prefix ("[CPU] scrypt-jane") and the CPU provider id.
    const type: Provider["type"] =
      dt === "GPU" || dt === "CPU"
        ? dt
        : modelText.startsWith("[CPU]") || idNum === CPU_PROVIDER_ID
          ? "CPU"
          : "GPU";
    providers.push({ id: idNum, model: modelText, type });
  }
  return providers;
}

/** Go's `log` prefix: "2024/05/01 10:00:00 ". */
const GO_LOG_PREFIX = /^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)? /;

function lastLines(text: string, max = 3): string {
  return text
    .split(/\r?\n/)
    .map((l) => l.replace(GO_LOG_PREFIX, "").trim())
    .filter((l) => l.length > 0)
    .slice(-max)
    .join(" | ")
    .slice(0, 500);
}

export type RunResult = {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** Set when the program could not run or was killed: ENOENT, EACCES, timed out … */
  failure: string | null;
};

/** Runs `binary args…` with a timeout (killed on `signal` abort too); never throws. Injected in tests. */
export type CommandRunner = (
  binary: string,
  args: string[],
  timeoutMs: number,
  signal?: AbortSignal,
) => Promise<RunResult>;

export const runCommand: CommandRunner = (binary, args, timeoutMs, signal) =>
  new Promise((resolve) => {
    const child = execFile(
      binary,
      args,
      { timeout: timeoutMs, signal, maxBuffer: 1024 * 1024, env: { ...process.env, NO_COLOR: "1" }, encoding: "utf8" },
      (err, stdout, stderr) => {
        const code = err?.code;
        let failure: string | null = null;
        if (err?.name === "AbortError") failure = "cancelled";
        else if (code === "ERR_CHILD_PROCESS_STDIO_MAXBUFFER") failure = "wrote more than 1 MiB";
        else if (err?.killed) failure = `did not finish within ${Math.round(timeoutMs / 1000)} s`;
        else if (code === "ENOENT") failure = "not found";
        else if (code === "EACCES") failure = "not executable (permission denied)";
        else if (err && typeof code !== "number") failure = err.signal ? `killed by ${err.signal}` : err.message;
        const result = { exitCode: err ? (typeof code === "number" ? code : null) : 0, stdout: stdout.replace(/\r?\n$/, ""), stderr: stderr.replace(/\r?\n$/, ""), failure };
        // on an abort execFile calls back as soon as it has sent the kill, before the process has
        // exited: the caller (the sampler's stop()) is told it is over only once it is
        if (child.exitCode === null && child.signalCode === null) child.once("exit", () => resolve(result));
        else resolve(result);
      },
    );
    child.stdin?.end(); // nothing to read: a program that waits for input gets end of file at once
  });

/** `postcli -printProviders` via the configured binary (config `postcli.binary`). Never throws. */
export async function runPrintProviders(
  binary: string,
  opts: { timeoutMs?: number; run?: CommandRunner; signal?: AbortSignal } = {},
): Promise<ProvidersResult> {
  const run = opts.run ?? runCommand;
  const where = `${binary} -printProviders (config postcli.binary)`;
  let r: RunResult;
  try {
    r = await run(binary, ["-printProviders"], opts.timeoutMs ?? 10_000, opts.signal);
  } catch (e) {
    r = { exitCode: null, stdout: "", stderr: "", failure: (e as Error).message };
  }
  if (r.failure !== null) {
    const hint = r.failure === "not found" ? ": check the path in the config" : "";
    return { source: "postcli", providers: [], error: `${where}: ${r.failure}${hint}` };
  }
  if (r.exitCode !== 0) {
    const why = lastLines(r.stderr) || lastLines(r.stdout) || "no output";
    return { source: "postcli", providers: [], error: `${where} exited with code ${r.exitCode}: ${why}` };
  }
  const providers = parsePrintProviders(r.stdout);
  if (providers === null) {
    const what = lastLines(r.stdout, 1) || "empty output";
    return {
      source: "postcli",
      providers: [],
      error: `${where}: unrecognised output (${what}); is this postcli?`,
    };
  }
  return { source: "postcli", providers, error: null };
}

/** The part of systeminformation's GraphicsControllerData we read. */
export type GraphicsController = {
  vendor?: string;
  model?: string;
  name?: string;
  temperatureGpu?: number;
};

/**
 * Providers from systeminformation `graphics()` controllers. Their ids are the controllers'
 * order, NOT postcli `-provider` ids (those need OpenCL enumeration, i.e. postcli).
 */
export function providersFromGraphics(controllers: GraphicsController[]): ProvidersResult {
  const providers: Provider[] = controllers.map((c, i) => {
    const vendor = (c.vendor ?? "").trim();
    const model = (c.model ?? c.name ?? "").trim();
    const label = model.toLowerCase().startsWith(vendor.toLowerCase()) ? model : `${vendor} ${model}`.trim();
    return { id: i, model: label || "unknown graphics controller", type: "GPU" };
  });
  return providers.length > 0
    ? { source: "systeminformation", providers, error: null }
    : { source: "none", providers: [], error: null };
}

/** GPU temperatures (°C) the controllers report (nvidia-smi on Linux); [] when none do. */
export function gpuTemperatures(controllers: GraphicsController[]): number[] {
  return controllers
    .map((c) => c.temperatureGpu)
    .filter((t): t is number => typeof t === "number" && Number.isFinite(t) && t > -100);
}
