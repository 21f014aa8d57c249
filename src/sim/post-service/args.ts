// post-service's command line as clap (derive, kebab-case long names) parses it, with clap's error texts.
export interface ServiceArgs {
  dir: string;
  address: string;
  reconnectIntervalS: number;
  maxRetries: number | null;
  watchPid: number | null;
  operatorAddress: string | null;
  minNumUnits: number;
  maxNumUnits: number;
  k1: number;
  k2: number;
  powDifficulty: string;
  n: number;
  r: number;
  p: number;
  threads: number;
  pinnedCores: number[] | null;
  nonces: number;
  randomxMode: "fast" | "light";
  caCert: string | null;
  cert: string | null;
  key: string | null;
  domain: string | null;
  remoteK2pow: string | null;
  simFailProof: boolean;
}

export const USAGE =
  "Usage: post-service [OPTIONS] --dir <DIR> --address <ADDRESS> <--threads <THREADS>|--pinned-cores <PINNED_CORES>>";

interface Opt {
  long: string;
  short?: string;
  value: string; // clap value name
  parse: (v: string) => unknown;
  key: keyof ServiceArgs;
  flag?: boolean;
}

const uint = (max: number) => (v: string) => {
  if (!/^\d+$/.test(v)) throw new Error("invalid digit found in string");
  const n = Number(v);
  if (n > max) throw new Error("number too large to fit in target type");
  return n;
};
const str = (v: string) => v;

function parseNonces(v: string): number {
  const n = uint(Number.MAX_SAFE_INTEGER)(v);
  if (n % 16 !== 0) throw new Error("nonces must be multiple of 16");
  if (n / 16 > 256) throw new Error("max nonces is 4096");
  return n;
}

function parseSocketAddr(v: string): string {
  if (!/^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]):\d{1,5}$/.test(v)) throw new Error("invalid socket address syntax");
  return v;
}

const OPTS: Opt[] = [
  { long: "dir", short: "d", value: "DIR", parse: str, key: "dir" },
  { long: "address", short: "a", value: "ADDRESS", parse: str, key: "address" },
  { long: "reconnect-interval-s", value: "RECONNECT_INTERVAL_S", parse: uint(2 ** 53), key: "reconnectIntervalS" },
  { long: "max-retries", value: "MAX_RETRIES", parse: uint(2 ** 53), key: "maxRetries" },
  { long: "watch-pid", value: "WATCH_PID", parse: uint(2 ** 32 - 1), key: "watchPid" },
  { long: "operator-address", value: "OPERATOR_ADDRESS", parse: parseSocketAddr, key: "operatorAddress" },
  { long: "min-num-units", value: "MIN_NUM_UNITS", parse: uint(2 ** 32 - 1), key: "minNumUnits" },
  { long: "max-num-units", value: "MAX_NUM_UNITS", parse: uint(2 ** 32 - 1), key: "maxNumUnits" },
  { long: "k1", value: "K1", parse: uint(2 ** 32 - 1), key: "k1" },
  { long: "k2", value: "K2", parse: uint(2 ** 32 - 1), key: "k2" },
  {
    long: "pow-difficulty",
    value: "POW_DIFFICULTY",
    parse: (v) => {
      if (!/^[0-9a-fA-F]{64}$/.test(v)) throw new Error("Invalid string length");
      return v.toLowerCase();
    },
    key: "powDifficulty",
  },
  { long: "", short: "n", value: "N", parse: uint(2 ** 32 - 1), key: "n" },
  { long: "", short: "r", value: "R", parse: uint(2 ** 32 - 1), key: "r" },
  { long: "", short: "p", value: "P", parse: uint(2 ** 32 - 1), key: "p" },
  { long: "threads", value: "THREADS", parse: uint(2 ** 53), key: "threads" },
  {
    long: "pinned-cores",
    value: "PINNED_CORES",
    parse: (v) => v.split(",").map((x) => uint(2 ** 16)(x)),
    key: "pinnedCores",
  },
  { long: "nonces", value: "NONCES", parse: parseNonces, key: "nonces" },
  {
    long: "randomx-mode",
    value: "RANDOMX_MODE",
    parse: (v) => {
      if (v !== "fast" && v !== "light") throw new Error(`invalid value '${v}' [possible values: fast, light]`);
      return v;
    },
    key: "randomxMode",
  },
  { long: "ca-cert", value: "CA_CERT", parse: str, key: "caCert" },
  { long: "cert", value: "CERT", parse: str, key: "cert" },
  { long: "key", value: "KEY", parse: str, key: "key" },
  { long: "domain", value: "DOMAIN", parse: str, key: "domain" },
  { long: "remote-k2pow", value: "REMOTE_K2POW", parse: str, key: "remoteK2pow" },
  { long: "remote-k2pow-parallelism", value: "REMOTE_K2POW_PARALLELISM", parse: uint(2 ** 32), key: "simFailProof" },
  { long: "remote-k2pow-backoff", value: "REMOTE_K2POW_BACKOFF", parse: uint(2 ** 32), key: "simFailProof" },
  { long: "sim-fail-proof", value: "", parse: () => true, key: "simFailProof", flag: true },
];

const HELP = `Post service

${USAGE}

Options:
  -d, --dir <DIR>                    directory of POST data
  -a, --address <ADDRESS>            address to connect to
      --reconnect-interval-s <RECONNECT_INTERVAL_S>  time to wait before reconnecting to the node [default: 5]
      --max-retries <MAX_RETRIES>    max number of retries for connecting to the node
      --watch-pid <WATCH_PID>        watch PID and exit if it dies
      --operator-address <OPERATOR_ADDRESS>  address to listen on for operator service
      --min-num-units <MIN_NUM_UNITS>  [default: 4]
      --max-num-units <MAX_NUM_UNITS>  [default: 4294967295]
      --k1 <K1>                      [default: 26]
      --k2 <K2>                      [default: 37]
      --pow-difficulty <POW_DIFFICULTY>  [default: 000dfb23b0979b4b000000000000000000000000000000000000000000000000]
  -n <N>                             scrypt N parameter [default: 8192]
  -r <R>                             scrypt R parameter [default: 1]
  -p <P>                             scrypt P parameter [default: 1]
      --threads <THREADS>            number of threads to use; 0 = all cores. Can't use with \`pinned-cores\` [default: 1]
      --pinned-cores <PINNED_CORES>  cores to pin threads to
      --nonces <NONCES>              number of nonces to attempt in single pass over POS data [default: 128]
      --randomx-mode <RANDOMX_MODE>  [default: fast] [possible values: fast, light]
      --ca-cert <CA_CERT>, --cert <CERT>, --key <KEY>  mTLS files (all or none)
      --domain <DOMAIN>              TLS server name
      --remote-k2pow <REMOTE_K2POW>  offload k2pow to k2pow-service workers
      --sim-fail-proof               (postdeck simulator) fail proof generation, like POSTDECK_SIM_FAIL_PROOF=1
  -h, --help                         Print help
  -V, --version                      Print version
`;

export type ParseResult = { ok: true; args: ServiceArgs } | { ok: false; code: number; stdout?: string; stderr?: string };

function clapError(msg: string, withUsage = true): ParseResult {
  return {
    ok: false,
    code: 2,
    stderr: `error: ${msg}\n\n${withUsage ? USAGE + "\n\n" : ""}For more information, try '--help'.\n`,
  };
}

export function parseServiceArgs(argv: string[]): ParseResult {
  const a: ServiceArgs = {
    dir: "",
    address: "",
    reconnectIntervalS: 5,
    maxRetries: null,
    watchPid: null,
    operatorAddress: null,
    minNumUnits: 4,
    maxNumUnits: 4294967295,
    k1: 26,
    k2: 37,
    powDifficulty: "000dfb23b0979b4b000000000000000000000000000000000000000000000000",
    n: 8192,
    r: 1,
    p: 1,
    threads: 1,
    pinnedCores: null,
    nonces: 128,
    randomxMode: "fast",
    caCert: null,
    cert: null,
    key: null,
    domain: null,
    remoteK2pow: null,
    simFailProof: false,
  };
  const seen = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const s = argv[i]!;
    if (s === "-h" || s === "--help") return { ok: false, code: 0, stdout: HELP };
    if (s === "-V" || s === "--version") return { ok: false, code: 0, stdout: "service 0.8.5\n" };
    let opt: Opt | undefined;
    let inline: string | undefined;
    if (s.startsWith("--")) {
      const eq = s.indexOf("=");
      const name = eq >= 0 ? s.slice(2, eq) : s.slice(2);
      if (eq >= 0) inline = s.slice(eq + 1);
      opt = OPTS.find((o) => o.long === name && name !== "");
    } else if (s.startsWith("-") && s.length >= 2) {
      opt = OPTS.find((o) => o.short === s[1]);
      if (s.length > 2) inline = s[2] === "=" ? s.slice(3) : s.slice(2);
    } else {
      return clapError(`unexpected argument '${s}' found`);
    }
    if (!opt) return clapError(`unexpected argument '${s.split("=")[0]}' found`);
    const display = opt.long ? `--${opt.long} <${opt.value}>` : `-${opt.short} <${opt.value}>`;
    if (opt.flag) {
      (a as unknown as Record<string, unknown>)[opt.key] = true;
      continue;
    }
    if (seen.has(opt.key)) return clapError(`the argument '${display}' cannot be used multiple times`);
    seen.add(opt.key);
    let value = inline;
    if (value === undefined) {
      if (i + 1 >= argv.length) return clapError(`a value is required for '${display}' but none was supplied`, false);
      value = argv[++i]!;
    }
    try {
      const parsed = opt.parse(value);
      if (opt.key !== "simFailProof") (a as unknown as Record<string, unknown>)[opt.key] = parsed;
    } catch (e) {
      return clapError(`invalid value '${value}' for '${display}': ${(e as Error).message}`, false);
    }
  }
  const missing: string[] = [];
  if (!seen.has("dir")) missing.push("--dir <DIR>");
  if (!seen.has("address")) missing.push("--address <ADDRESS>");
  if (missing.length > 0) {
    return clapError(`the following required arguments were not provided:\n${missing.map((m) => `  ${m}`).join("\n")}`);
  }
  if (seen.has("threads") && seen.has("pinnedCores")) {
    return clapError("the argument '--threads <THREADS>' cannot be used with '--pinned-cores <PINNED_CORES>'");
  }
  const tls = [a.caCert, a.cert, a.key].filter((x) => x !== null).length;
  if (tls !== 0 && tls !== 3) {
    return clapError("the following required arguments were not provided:\n  --ca-cert <CA_CERT>\n  --cert <CERT>\n  --key <KEY>");
  }
  return { ok: true, args: a };
}
