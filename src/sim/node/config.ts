// The parts of go-spacemesh's JSON config the simulator reads.
import fs from "node:fs";
import { networkFromConfig, type Network } from "./network.js";

export interface NodeConfig {
  smeshingStart: boolean;
  coinbase: string;
  publicListener: string;
  privateListener: string;
  postListener: string;
  logEncoder: "console" | "json";
  labelsPerUnit: string;
  minNumUnits: number;
  maxNumUnits: number;
  k1: number;
  k2: number;
  dataFolder: string | null;
  /** genesis/layer/epoch/PoET timing when the config sets genesis.genesis-time */
  network: Network | null;
}

export function readNodeConfig(file: string | null): NodeConfig {
  const raw: Record<string, Record<string, unknown>> = file ? (JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, Record<string, unknown>>) : {};
  const sec = (k: string): Record<string, unknown> => (raw[k] && typeof raw[k] === "object" ? raw[k] : {});
  const smeshing = sec("smeshing");
  const api = sec("api");
  const logging = sec("logging");
  const post = sec("post");
  const main = sec("main");
  const str = (o: Record<string, unknown>, k: string, d: string) => (typeof o[k] === "string" ? (o[k]) : d);
  const num = (o: Record<string, unknown>, k: string, d: number) => (typeof o[k] === "number" ? (o[k]) : d);
  return {
    smeshingStart: smeshing["smeshing-start"] === true,
    coinbase: str(smeshing, "smeshing-coinbase", ""),
    publicListener: str(api, "grpc-public-listener", "0.0.0.0:9092"),
    privateListener: str(api, "grpc-private-listener", "127.0.0.1:9093"),
    postListener: str(api, "grpc-post-listener", "127.0.0.1:0"),
    logEncoder: str(logging, "log-encoder", "console") === "json" ? "json" : "console",
    labelsPerUnit: String(post["post-labels-per-unit"] ?? "4294967296"),
    minNumUnits: num(post, "post-min-numunits", 4),
    maxNumUnits: num(post, "post-max-numunits", 4294967295),
    k1: num(post, "post-k1", 26),
    k2: num(post, "post-k2", 37),
    dataFolder: typeof main["data-folder"] === "string" ? (main["data-folder"]) : null,
    network: networkFromConfig(raw),
  };
}
