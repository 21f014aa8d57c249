#!/usr/bin/env node
// Stand-in for `postdeck` (the console) while src/cli/tui.ts cannot attach yet: loads the config,
// connects to its running daemon and runs the same runConsole() the CLI runs.
//   node bench/console/attach.js --config FILE
import path from "node:path";
import { REPO } from "../lib/children.js";

process.env.NODE_ENV ??= "production"; // as src/cli/tui.ts does
const i = process.argv.indexOf("--config");
const file = i >= 0 ? process.argv[i + 1] : undefined;
const { loadConfig } = await import(path.join(REPO, "dist/config/load.js"));
const { connectDaemon } = await import(path.join(REPO, "dist/client/ensure-daemon.js"));
const { runConsole } = await import(path.join(REPO, "dist/ui/run-console.js"));
const config = await loadConfig({ flag: file });
const client = await connectDaemon(config);
try {
  await runConsole(client);
} finally {
  client.close();
}
process.exit(0);
