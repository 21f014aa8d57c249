// The simulated node's gRPC listeners: post (PostService, PostInfoService), public (NodeService,
// ActivationService), private (SmesherService, AdminService), with go-spacemesh v1.7.6 answers;
// run as the node-split smeshing service, the private listener also serves spacemesh.v2beta1's
// SmeshingIdentitiesService.States (a v1.7.6 node answers UNIMPLEMENTED, as grpc-js does here).
import * as grpc from "@grpc/grpc-js";
import { spacemeshV1, spacemeshV2beta1 } from "../../spacemesh-wire/spacemesh-proto.js";
import { GOLDEN_ATX, NODE_BUILD, NODE_VERSION } from "./constants.js";
import type { EventBus } from "./events.js";
import type { Identity } from "./identities.js";
import type { NodeConfig } from "./config.js";
import type { Smesher } from "./smeshing.js";
import type { IdentityStates } from "./identity-states.js";

type Impl = grpc.UntypedServiceImplementation;
type Unary = (call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) => void;

export interface NodeApi {
  smesher: Smesher;
  events: EventBus;
  identities: Identity[];
  supervised: boolean;
  config: NodeConfig;
  smeshingStart: boolean;
  started: number;
  /** Set when the simulator runs as a `go-spacemesh smeshing` service (node-split). */
  identityStates?: IdentityStates | null;
}

function services(api: NodeApi): Record<"post" | "public" | "private", [grpc.ServiceDefinition, Impl][]> {
  const v1 = spacemeshV1();
  const def = (name: string) => v1[name]!.service;
  const status = () => {
    const layer = api.smesher.layer;
    const synced = Date.now() - api.started > 3000;
    return {
      connectedPeers: String(18 + (layer % 5)),
      isSynced: synced,
      syncedLayer: { number: synced ? layer : Math.floor(layer / 2) },
      topLayer: { number: layer },
      verifiedLayer: { number: Math.max(0, (synced ? layer : Math.floor(layer / 2)) - 1) },
    };
  };
  const unary = (fn: () => unknown): Unary => (_call, cb) => cb(null, fn());
  return {
    post: [
      [
        def("PostService"),
        {
          Register: ((call: grpc.ServerDuplexStream<never, unknown>) =>
            api.smesher.register(call, (code, details) => call.emit("error", { code: grpc.status[code], details, metadata: new grpc.Metadata() }))) as grpc.handleBidiStreamingCall<unknown, unknown>,
        },
      ],
      [def("PostInfoService"), { PostStates: unary(() => ({ states: api.smesher.postStates() })) }],
    ],
    public: [
      [
        def("NodeService"),
        {
          Version: unary(() => ({ versionString: { value: NODE_VERSION } })),
          Build: unary(() => ({ buildString: { value: NODE_BUILD } })),
          Status: unary(() => ({ status: status() })),
          NodeInfo: unary(() => ({ hrp: "sm", firstGenesis: 0, effectiveGenesis: 0, epochSize: api.smesher.layersPerEpoch })),
          StatusStream: (call: grpc.ServerWritableStream<unknown, unknown>) => {
            let last = -1;
            const t = setInterval(() => {
              const s = status();
              if (s.topLayer.number !== last) {
                last = s.topLayer.number;
                call.write({ status: s });
              }
            }, 500);
            call.on("cancelled", () => clearInterval(t));
            call.on("close", () => clearInterval(t));
          },
        },
      ],
      [def("ActivationService"), { Highest: unary(() => ({ atx: { id: { id: GOLDEN_ATX } } })) }],
    ],
    private: [
      [
        def("SmesherService"),
        {
          IsSmeshing: unary(() => ({ isSmeshing: api.smesher.smeshing })),
          SmesherIDs: unary(() => ({ publicKeys: api.smesher.smesherIds() })),
          Coinbase: unary(() => ({ accountId: { address: api.config.coinbase } })),
          PostConfig: unary(() => ({
            bitsPerLabel: 128,
            labelsPerUnit: api.config.labelsPerUnit,
            minNumUnits: api.config.minNumUnits,
            maxNumUnits: api.config.maxNumUnits,
            k1: api.config.k1,
            k2: api.config.k2,
          })),
        },
      ],
      [
        def("AdminService"),
        {
          EventsStream: (call: grpc.ServerWritableStream<unknown, unknown>) => {
            let queued = 0;
            const unsubscribe = api.events.subscribe((e) => {
              if (queued > 1000) {
                unsubscribe();
                call.emit("error", { code: grpc.status.CANCELLED, details: "buffer is full" });
                return;
              }
              queued++;
              call.write(e, () => queued--);
            });
            call.on("cancelled", unsubscribe);
            call.on("close", unsubscribe);
          },
        },
      ],
      ...(api.identityStates ? [smeshingIdentities(api.identityStates)] : []),
    ],
  };
}

function smeshingIdentities(states: IdentityStates): [grpc.ServiceDefinition, Impl] {
  const States: Unary = (call, cb) => cb(null, { states: states.query(call.request as Parameters<IdentityStates["query"]>[0]) });
  return [spacemeshV2beta1()["SmeshingIdentitiesService"]!.service, { States }];
}

export interface Listener {
  kind: "public" | "private" | "post";
  configured: string;
  address: string; // with the actual port
}

/** Starts one server per distinct listener address; returns the actual addresses. */
export async function startGrpc(api: NodeApi, listeners: Record<"public" | "private" | "post", string>): Promise<{ servers: grpc.Server[]; bound: Listener[] }> {
  const svc = services(api);
  const groups = new Map<string, ("public" | "private" | "post")[]>();
  let unique = 0;
  for (const kind of ["public", "private", "post"] as const) {
    const addr = listeners[kind];
    const key = /:0$/.test(addr) ? `${addr}#${unique++}` : addr;
    groups.set(key, [...(groups.get(key) ?? []), kind]);
  }
  const servers: grpc.Server[] = [];
  const bound: Listener[] = [];
  for (const [key, kinds] of groups) {
    const addr = key.replace(/#\d+$/, "");
    const server = new grpc.Server({ "grpc.keepalive_time_ms": 600_000, "grpc.keepalive_permit_without_calls": 0 });
    for (const k of kinds) for (const [d, impl] of svc[k]) server.addService(d, impl);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(addr, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    servers.push(server);
    const actual = addr.replace(/:\d+$/, `:${port}`);
    for (const k of kinds) bound.push({ kind: k, configured: addr, address: actual });
  }
  return { servers, bound };
}
