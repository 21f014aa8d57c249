// Runs one identity operation (identity-ops.ts) in a separate process, so a test can kill it at a
// fault point (POSTDECK_FAULT). interruption.test.ts bundles this file with what it imports (one
// file for Node to load, not ~100 modules).
// argv: <identitiesDir> <stateDir> <config.yaml> import DIR... | rename FROM TO | retire NAME | add POSTCLI DIR NAME
import { runIdentityOp } from "./identity-ops.js";

const [identitiesDir, stateDir, configFile, op, ...args] = process.argv.slice(2) as [string, string, string, string, ...string[]];
const { code, result } = await runIdentityOp(identitiesDir, stateDir, configFile, op, args);
process.stdout.write(JSON.stringify(result) + "\n");
process.exit(code);
