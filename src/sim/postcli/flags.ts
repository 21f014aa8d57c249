// postcli's flag set (post v0.12.6 cmd/postcli/main.go), for the Go flag parser.
import os from "node:os";
import path from "node:path";
import type { GoFlagDef } from "../go-flag.js";

export const MAINNET_LABELS_PER_UNIT = 4294967296n;
export const MAINNET_MAX_FILE_SIZE = 4294967296n;
export const MAINNET_SCRYPT_N = 8192n;
export const MIN_NUM_UNITS = 4;
export const MAX_NUM_UNITS = 1048576;
export const DEFAULT_NUM_UNITS = 4;

const ZAP_LEVELS = ["debug", "info", "warn", "error", "dpanic", "panic", "fatal"];

export function postcliFlags(home = os.homedir()): GoFlagDef[] {
  return [
    { name: "printProviders", kind: "bool", usage: "print the list of compute providers", defValue: "false" },
    { name: "printNumFiles", kind: "bool", usage: "print the total number of files that would be initialized", defValue: "false" },
    { name: "printConfig", kind: "bool", usage: "print the used config and options", defValue: "false" },
    { name: "genproof", kind: "bool", usage: "generate proof as a sanity test, after initialization", defValue: "false" },
    { name: "verify", kind: "bool", usage: "verify initialized data", defValue: "false" },
    { name: "fraction", kind: "float", usage: "how much % of POS data to verify. Sane values are < 1.0", defValue: "0.2" },
    { name: "searchForNonce", kind: "bool", usage: "search for VRF nonce in already initialized data", defValue: "false" },
    { name: "datadir", kind: "string", usage: "filesystem datadir path", defValue: path.join(home, "post", "data") },
    { name: "maxFileSize", kind: "uint64", usage: "max file size", defValue: MAINNET_MAX_FILE_SIZE.toString() },
    { name: "provider", kind: "uint64", usage: "compute provider id (required)", defValue: "18446744073709551615" },
    { name: "labelsPerUnit", kind: "uint64", usage: "the number of labels per unit", defValue: MAINNET_LABELS_PER_UNIT.toString() },
    { name: "scryptN", kind: "uint", usage: "scrypt N parameter", defValue: MAINNET_SCRYPT_N.toString() },
    { name: "reset", kind: "bool", usage: "whether to reset the datadir before starting", defValue: "false" },
    { name: "yes", kind: "bool", usage: "confirm potentially dangerous actions", defValue: "false" },
    { name: "id", kind: "string", usage: "miner's id (public key), in hex (will be auto-generated if not provided)", defValue: "" },
    { name: "commitmentAtxId", kind: "string", usage: "commitment atx id, in hex (required)", defValue: "" },
    { name: "numUnits", kind: "uint64", usage: "number of units", defValue: "4" },
    { name: "fromFile", kind: "int", usage: "index of the first file to init (inclusive)", defValue: "0" },
    {
      name: "toFile",
      kind: "int",
      usage: "index of the last file to init (inclusive). Will init to the end of declared space if not provided.",
      defValue: "9223372036854775807",
    },
    {
      name: "logLevel",
      kind: "value",
      usage: "log level (debug, info, warn, error, dpanic, panic, fatal)",
      defValue: "info",
      parse: (t) => {
        const v = t.toLowerCase();
        if (!ZAP_LEVELS.includes(v)) throw new Error(`unrecognized level: ${JSON.stringify(t)}`);
        return v;
      },
    },
  ];
}
