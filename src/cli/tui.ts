// `postdeck` / `postdeck tui`: open the console attached to the daemon (started if needed).
import { OperationError } from "./errors.js";
import type { DaemonClient } from "../client/types.js";

/** Obtains a connected client; wired to src/client's ensureDaemon once it exists. */
async function obtainClient(_args: string[]): Promise<DaemonClient> {
  throw new OperationError("'tui' needs the daemon client (src/client ensureDaemon), which is not built yet");
}

export async function run(args: string[]): Promise<number> {
  const client = await obtainClient(args);
  const { runConsole } = await import("../ui/run-console.js");
  try {
    await runConsole(client);
  } finally {
    client.close();
  }
  return 0;
}
