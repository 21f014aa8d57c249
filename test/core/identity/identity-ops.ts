// One identity operation as the daemon runs it: import, rename and retire through IdentityManager
// (with the config file as service registry), or an identity add. identity-child.ts runs one in a
// process a test kills at a fault point (POSTDECK_FAULT); the re-run that must finish the job runs
// here, in the test's own process (a fault point does nothing without POSTDECK_FAULT).
import { AddIdentityTask, validateAdd } from "../../../src/core/identity/add.js";
import { Journal } from "../../../src/core/identity/journal.js";
import { IdentityManager } from "../../../src/core/identity/manager.js";
import { YamlServiceRegistry } from "../../../src/config/yaml-service-registry.js";

export type IdentityOp = "import" | "rename" | "retire" | "add";

/** Runs `op` (args: import DIR... | rename FROM TO | retire NAME | add POSTCLI DIR NAME); resolves to its exit code and its result, or rejects. */
export async function runIdentityOp(identitiesDir: string, stateDir: string, configFile: string, op: string, args: string[]): Promise<{ code: number; result: unknown }> {
  const registry = new YamlServiceRegistry(configFile);
  if (op === "add") {
    const [postcli, dir, name] = args as [string, string, string];
    const ctx = { postcli, identitiesDir, registry, journal: new Journal(stateDir), pollMs: 200 };
    const req = { name, dir, units: 4, provider: 4294967295, commitmentAtxId: "00".repeat(32), labelsPerUnit: 4096, maxFileSize: 16384 };
    const problems = await validateAdd(req, ctx);
    if (problems.length) throw new Error(problems.join("\n"));
    const view = await new AddIdentityTask(req, ctx).done;
    return { code: view.state === "done" ? 0 : 1, result: view };
  }
  const services = await registry.list();
  const host = {
    stopService: async () => undefined,
    reloadConfig: async () => undefined,
    commitmentAtx: async () => null,
    serviceForKey: (keyFile: string) => services.find((s) => `${s.name}.key` === keyFile)?.name ?? null,
    nodeSupervised: () => false,
  };
  // no process uses the dirs imported here: the import's look for one (a read of every process's
  // open files in /proc, for each dir at the plan and again at the import: most of this file's CPU)
  // is left out; it is tested with a post-service holding the dir in test/e2e/identity-lifecycle.test.ts
  const m = new IdentityManager({ identitiesDir, stateDir, postcli: null, registry, host, dirUsers: async () => [] });
  if (op === "import") {
    const plan = await m.planImport(args);
    return { code: 0, result: await m.import(args, plan.flatMap((i) => (i.ok && i.shortId ? [i.shortId] : []))) };
  }
  if (op === "rename") return { code: 0, result: await m.rename(args[0]!, args[1]!) };
  if (op === "retire") return { code: 0, result: await m.retire(args[0]!) };
  throw new Error(`unknown op ${op}`);
}
