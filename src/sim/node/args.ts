// Command line of the simulated go-spacemesh node (cobra/pflag style: --flag value, --flag=value).
export interface NodeArgs {
  /** `smeshing`: run as go-spacemesh's node-split smeshing service (also serves SmeshingIdentitiesService.States). */
  command: "node" | "smeshing";
  dataFolder: string | null;
  config: string | null;
  logEncoder: "console" | "json" | null;
  filelock: string | null;
  smeshingStart: boolean | null;
  layerDurationS: number;
  cycleGapEveryS: number;
  cycleGapLengthS: number;
  firstCycleGapS: number | null;
  warnIntervalS: number;
  help: boolean;
}

export const NODE_HELP = `go-spacemesh (postdeck simulator): a simulated Spacemesh node for the demo rig

Usage:
  postdeck sim node --data-folder DIR [--config FILE.json] [flags]
  postdeck sim node smeshing --data-folder DIR [--config FILE.json] [flags]
                                 the node-split smeshing service: as above, and its private
                                 listener also answers spacemesh.v2beta1.SmeshingIdentitiesService.States

Flags:
  -d, --data-folder string       node data folder (identities/ holds the *.key files)
  -c, --config string            JSON config (smeshing.smeshing-start, smeshing.smeshing-coinbase,
                                 api.grpc-public-listener, api.grpc-private-listener, api.grpc-post-listener,
                                 logging.log-encoder, post.post-labels-per-unit / post-min-numunits / post-max-numunits)
      --log-encoder string       console | json (default console)
      --filelock string          single-instance lock file (default <data-folder>/spacemesh.lock)
      --smeshing-start           supervised smeshing (only with a single local.key)

Time compression (simulator only):
      --layer-duration seconds   length of a layer (default 5)
      --cycle-gap-every seconds  a PoET cycle gap opens this often; every identity then needs a proof (default 180)
      --cycle-gap-length seconds how long the cycle gap lasts (default 60)
      --first-cycle-gap seconds  when the first cycle gap opens after start (default: every - length)
      --warn-interval seconds    "post service not connected" warning interval (real node: 20) (default 20)
  -h, --help                     help
`;

export type NodeArgsResult = { ok: true; args: NodeArgs } | { ok: false; error: string };

export function parseNodeArgs(argv: string[]): NodeArgsResult {
  const a: NodeArgs = {
    command: "node",
    dataFolder: null,
    config: null,
    logEncoder: null,
    filelock: null,
    smeshingStart: null,
    layerDurationS: 5,
    cycleGapEveryS: 180,
    cycleGapLengthS: 60,
    firstCycleGapS: null,
    warnIntervalS: 20,
    help: false,
  };
  const seconds = (flag: string, v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`invalid argument "${v}" for "${flag}" flag: expected a positive number of seconds`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const s = argv[i]!;
    const eq = s.indexOf("=");
    const name = s.startsWith("--") ? (eq >= 0 ? s.slice(2, eq) : s.slice(2)) : s.startsWith("-") ? s.slice(1, 2) : null;
    if (name === null && s === "smeshing" && i === 0) {
      a.command = "smeshing";
      continue;
    }
    if (name === null) return { ok: false, error: `unknown command "${s}" for "go-spacemesh"` };
    let inline: string | undefined = eq >= 0 && s.startsWith("--") ? s.slice(eq + 1) : undefined;
    if (!s.startsWith("--") && s.length > 2) inline = s.slice(2).replace(/^=/, "");
    const value = (): string => {
      if (inline !== undefined) return inline;
      const v = argv[++i];
      if (v === undefined) throw new Error(`flag needs an argument: --${name}`);
      return v;
    };
    try {
      switch (name) {
        case "h":
        case "help":
          a.help = true;
          break;
        case "d":
        case "data-folder":
          a.dataFolder = value();
          break;
        case "c":
        case "config":
          a.config = value();
          break;
        case "log-encoder": {
          const v = value();
          if (v !== "console" && v !== "json") throw new Error(`invalid argument "${v}" for "--log-encoder" flag: expected console or json`);
          a.logEncoder = v;
          break;
        }
        case "filelock":
          a.filelock = value();
          break;
        case "smeshing-start":
          a.smeshingStart = inline === undefined ? true : inline === "true";
          break;
        case "layer-duration":
          a.layerDurationS = seconds("--layer-duration", value());
          break;
        case "cycle-gap-every":
          a.cycleGapEveryS = seconds("--cycle-gap-every", value());
          break;
        case "cycle-gap-length":
          a.cycleGapLengthS = seconds("--cycle-gap-length", value());
          break;
        case "first-cycle-gap":
          a.firstCycleGapS = seconds("--first-cycle-gap", value());
          break;
        case "warn-interval":
          a.warnIntervalS = seconds("--warn-interval", value());
          break;
        default:
          return { ok: false, error: s.startsWith("--") ? `unknown flag: --${name}` : `unknown shorthand flag: '${name}' in ${s}` };
      }
    } catch (e) {
      return { ok: false, error: (e as Error).message };
    }
  }
  return { ok: true, args: a };
}
