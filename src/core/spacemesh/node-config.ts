// The go-spacemesh JSON config: the keys that decide whether remote post-services
// can work. Unset keys are null: the node then uses its defaults (post listener `127.0.0.1:0`, a
// random port, since v1.4.2). Problems are one line each, naming the file and the key.
import { promises as fs } from "node:fs";
import { timingFromNodeConfig, type TimingResult } from "../../clock/network-timing.js";

export interface NodeJsonConfig {
  file: string;
  smeshingStart: boolean | null;
  coinbase: string | null;
  dataFolder: string | null; // main.data-folder
  listeners: {
    public: string | null; // api.grpc-public-listener
    private: string | null; // api.grpc-private-listener
    post: string | null; // api.grpc-post-listener
    tls: string | null; // api.grpc-tls-listener
  };
  tls: { caCert: string | null; cert: string | null; key: string | null };
  logEncoder: "console" | "json" | null;
  /** The network timing the file sets (genesis, layers, PoET phase shift, cycle gap, grace period). */
  timing?: TimingResult;
  /** Per-module log levels under `logging` (e.g. atxBuilder: "warn"), lower-cased. */
  logLevels?: Record<string, string>;
}

export interface NodeConfigResult {
  config: NodeJsonConfig | null; // null when the file cannot be read or is not a JSON object
  problems: string[];
}

/** go-spacemesh defaults (v1.7.6) used when a listener key is unset. */
export const NODE_LISTENER_DEFAULTS = {
  public: "0.0.0.0:9092",
  private: "127.0.0.1:9093",
  post: "127.0.0.1:0",
} as const;

type Obj = Record<string, unknown>;

function section(root: Obj, key: string, file: string, problems: string[]): Obj {
  const v = root[key];
  if (v === undefined || v === null) return {};
  if (typeof v !== "object" || Array.isArray(v)) {
    problems.push(`${file}: key ${key}: expected an object, found ${JSON.stringify(v)}`);
    return {};
  }
  return v as Obj;
}

function stringKey(obj: Obj, sec: string, key: string, file: string, problems: string[]): string | null {
  const v = obj[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== "string") {
    problems.push(`${file}: key ${sec}.${key}: expected a string, found ${JSON.stringify(v)}`);
    return null;
  }
  return v === "" ? null : v;
}

export function parseNodeConfig(text: string, file: string): NodeConfigResult {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (err) {
    return { config: null, problems: [`${file}: not valid JSON (${(err as Error).message})`] };
  }
  if (!root || typeof root !== "object" || Array.isArray(root))
    return { config: null, problems: [`${file}: expected a JSON object at the top level`] };
  const problems: string[] = [];
  const r = root as Obj;
  const smeshing = section(r, "smeshing", file, problems);
  const api = section(r, "api", file, problems);
  const main = section(r, "main", file, problems);
  const logging = section(r, "logging", file, problems);

  let smeshingStart: boolean | null = null;
  const ss = smeshing["smeshing-start"];
  if (typeof ss === "boolean") smeshingStart = ss;
  else if (ss !== undefined && ss !== null)
    problems.push(`${file}: key smeshing.smeshing-start: expected true or false, found ${JSON.stringify(ss)}`);

  const listener = (key: string): string | null => {
    const v = stringKey(api, "api", key, file, problems);
    if (v !== null && !/^(\[[0-9a-fA-F:]+\]|[^:\s]*):\d{1,5}$/.test(v)) {
      problems.push(`${file}: key api.${key}: expected host:port, e.g. 127.0.0.1:9094, found ${JSON.stringify(v)}`);
      return null;
    }
    return v;
  };

  const coinbase = stringKey(smeshing, "smeshing", "smeshing-coinbase", file, problems);
  const dataFolder = stringKey(main, "main", "data-folder", file, problems);
  const listeners = {
    public: listener("grpc-public-listener"),
    private: listener("grpc-private-listener"),
    post: listener("grpc-post-listener"),
    tls: listener("grpc-tls-listener"),
  };
  const tls = {
    caCert: stringKey(api, "api", "grpc-tls-ca-cert", file, problems),
    cert: stringKey(api, "api", "grpc-tls-cert", file, problems),
    key: stringKey(api, "api", "grpc-tls-key", file, problems),
  };
  let logEncoder: "console" | "json" | null = null;
  const enc = stringKey(logging, "logging", "log-encoder", file, problems);
  if (enc === "console" || enc === "json") logEncoder = enc;
  else if (enc !== null)
    problems.push(`${file}: key logging.log-encoder: expected "console" or "json", found ${JSON.stringify(enc)}`);

  const logLevels: Record<string, string> = {};
  for (const [k, v] of Object.entries(logging)) if (k !== "log-encoder" && typeof v === "string") logLevels[k] = v.toLowerCase();
  const timing = timingFromNodeConfig(r, file);
  problems.push(...timing.problems);

  return {
    config: {
      file,
      smeshingStart,
      coinbase,
      dataFolder,
      listeners,
      tls,
      logEncoder,
      timing,
      logLevels,
    },
    problems,
  };
}

export async function readNodeConfig(file: string): Promise<NodeConfigResult> {
  let text: string;
  try {
    text = await fs.readFile(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { config: null, problems: [`cannot read the node config ${file}: ${code ?? (err as Error).message}`] };
  }
  return parseNodeConfig(text, file);
}
