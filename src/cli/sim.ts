// `postdeck sim <program> ...`: runs one of the demo-rig simulators (src/sim), which behave like the real
// postcli, post-service and go-spacemesh at their interfaces. Arguments after the program name are the
// program's own (Go flag / clap / cobra style), so they are not parsed here.
import { UsageError } from "./errors.js";

const programs: Record<string, () => Promise<{ run: (args: string[]) => Promise<number> }>> = {
  postcli: () => import("../sim/postcli/main.js"),
  "post-service": () => import("../sim/post-service/main.js"),
  node: () => import("../sim/node/main.js"),
};

export async function run(args: string[]): Promise<number> {
  const [program, ...rest] = args;
  const load = program ? programs[program] : undefined;
  if (!load) {
    throw new UsageError(
      `usage: postdeck sim node|post-service|postcli [ARGS]\n` +
        `  sim postcli ...       simulated postcli (Go flags, e.g. -printProviders, -provider -numUnits -commitmentAtxId -datadir)\n` +
        `  sim post-service ...  simulated post-service (--address --dir --operator-address ...)\n` +
        `  sim node ...          simulated go-spacemesh node (--data-folder --config ...; see 'sim node --help')`,
    );
  }
  const mod = await load();
  const code = await mod.run(rest);
  // The simulators are whole programs: end the process like the real one would.
  process.exit(code);
}
