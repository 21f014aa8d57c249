// Loading a console's code from a command (src/cli/load-ui.ts): React's production build unless
// NODE_ENV says otherwise, and Ink's layout engine built without loading Node's HTTP client (yoga-layout's
// loader fetches its own embedded data: URL whenever a global fetch exists: ~45 ms of CPU per console start).
// The loads are fresh Node processes over the built modules: what a process has loaded is the point.
import { describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { TEST_ENV, requireBuild } from "../helpers/cli.js";
import { loadUi } from "../../src/cli/load-ui.js";

const dist = (rel: string) => fileURLToPath(new URL(`../../dist/${rel}`, import.meta.url));

interface Loaded {
  undici: boolean;
  sameFetch: boolean;
  nodeEnv: string | null;
  runConsole: string;
}

/** Loads the console's module in a new process, through loadUi or (`plain`) a bare import. */
function load(how: "loadUi" | "plain"): Promise<Loaded> {
  requireBuild();
  const script = `
    const before = globalThis.fetch;
    const ui = ${JSON.stringify(dist("ui/run-console.js"))};
    const m = ${how === "plain" ? "await import(ui)" : `await (await import(${JSON.stringify(dist("cli/load-ui.js"))})).loadUi(() => import(ui))`};
    console.log(JSON.stringify({
      undici: process.moduleLoadList.some((x) => x.includes("undici")),
      sameFetch: globalThis.fetch === before,
      nodeEnv: process.env.NODE_ENV ?? null,
      runConsole: typeof m.runConsole,
    }));`;
  const { NODE_ENV: _vitests, ...env } = TEST_ENV;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ["--input-type=module", "-e", script], { env, timeout: 30_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(JSON.parse(stdout) as Loaded),
    );
  });
}

describe("loadUi", () => {
  it("loads the console without Node's HTTP client, fetch back as it was, React's production build", async () => {
    const [plain, viaLoadUi] = await Promise.all([load("plain"), load("loadUi")]);
    // the bare import is what loadUi avoids: if yoga-layout stops fetching, this says the hiding can go
    expect(plain.undici).toBe(true);
    expect(viaLoadUi).toEqual({ undici: false, sameFetch: true, nodeEnv: "production", runConsole: "function" });
  });

  it("keeps a NODE_ENV the user set", async () => {
    const was = process.env.NODE_ENV;
    process.env.NODE_ENV = "development";
    try {
      expect(await loadUi(async () => process.env.NODE_ENV)).toBe("development");
    } finally {
      if (was === undefined) delete process.env.NODE_ENV;
      else process.env.NODE_ENV = was;
    }
  });
});
