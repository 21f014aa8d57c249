// `postdeck identity add|import|rollback|retire|rename|permissions|providers` — every step runs
// in the daemon (an SSH drop does not stop an init) and is guarded there; this file only parses
// arguments, asks for the typed confirmation and prints results.
import readline from "node:readline/promises";
import { colours, daemonFor, parseArgs } from "./cli-context.js";
import { OperationError, UsageError } from "./errors.js";
import type { SocketClient } from "../client/socket-client.js";
import type { ImportItemView } from "../protocol/api.js";
import type { TaskView } from "../protocol/model.js";
import { formatBytes } from "../ui/units.js";
import { formatCountdown } from "../presentation/units.js";
import { DEMO_GEOMETRY } from "../ui/flows/add-form.js";
import { checkAddSpace } from "../core/identity/add-space.js";
import { ProgressPrinter } from "./progress-line.js";

export const USAGE = `usage:
  postdeck identity add NAME --dir DIR --units N [--provider ID] [--commitment-atx HEX] [--labels-per-unit N] [--max-file-size BYTES] [--detach]
  postdeck identity import DIR... [--dry-run] [--confirm SHORTID,...] [--json]
  postdeck identity rollback [--json]
  postdeck identity retire NAME
  postdeck identity rename NAME NEWNAME
  postdeck identity permissions [--fix] [--json]
  postdeck identity providers [--json]
  postdeck identity show NAME [--json]
  postdeck identity cancel TASK-ID`;

const bytes = (n: number | null): string => (n === null ? "?" : formatBytes(n));

export function taskLine(t: TaskView): string {
  const pct = t.bytesDone !== null && t.bytesTotal ? ` ${((100 * t.bytesDone) / t.bytesTotal).toFixed(1)}%` : "";
  const rate = t.rateBytesPerSec ? ` ${bytes(t.rateBytesPerSec)}/s` : "";
  const eta = t.etaSeconds !== null ? ` ETA ${formatCountdown(t.etaSeconds * 1000)}` : "";
  return `${t.name}: ${t.state}${pct} (${bytes(t.bytesDone)} of ${bytes(t.bytesTotal)})${rate}${eta} — ${t.message}`;
}

function num(p: ReturnType<typeof parseArgs>, flag: string): number | undefined {
  const v = p.values.get(flag);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${flag}: expected a whole number, found '${v}'`);
  return n;
}

/** The daemon went away while a task was followed: what happened and what to run (exit 1). */
function lostTask(id: string, why: string, rerun: string): OperationError {
  return new OperationError(
    `lost the daemon while following ${id}: ${why}. The add may not have finished: check the daemon with \`postdeck daemon status\` ` +
      `(start it with \`postdeck daemon start\`), see its tasks with \`postdeck status --json\`, and run \`${rerun}\` again to resume ` +
      `(postcli goes on from the data already written)`,
  );
}

async function follow(client: SocketClient, id: string, rerun: string): Promise<TaskView> {
  return new Promise((resolve, reject) => {
    const progress = new ProgressPrinter(process.stderr);
    let ended = false;
    const end = (r: TaskView | OperationError) => {
      if (ended) return;
      ended = true;
      stop();
      progress.end();
      if (r instanceof OperationError) reject(r);
      else resolve(r);
    };
    const seen = (t: TaskView) => {
      // a terminal: one updating line; a log or pipe: a line per ~5 % and per new message
      progress.show(taskLine(t), t.bytesDone !== null && t.bytesTotal ? t.bytesDone / t.bytesTotal : null, t.state !== "running");
      if (t.state !== "running") end(t);
    };
    const stop = client.subscribe(
      (e) => {
        if (e.type === "snapshot") {
          // the stream starts with a snapshot: the task may have ended before it, or be unknown to a new daemon
          const t = e.data.tasks.find((x) => x.id === id);
          if (t) seen(t);
          else end(lostTask(id, "the daemon no longer knows this task (it was restarted)", rerun));
        } else if (e.type === "bye") end(lostTask(id, `the daemon stopped (${e.data.reason})`, rerun));
        else if (e.type === "task" && e.data.id === id) seen(e.data);
      },
      (s) => {
        if (s.kind === "disconnected") end(lostTask(id, s.error, rerun));
      },
    );
  });
}

function printPlan(items: ImportItemView[]): void {
  const c = colours();
  for (const i of items) {
    if (i.ok) process.stdout.write(`${c.green("✓")} ${i.sourceDir}: identity ${i.shortId} → identities/${i.keyName}, service ${i.serviceName}\n`);
    else process.stdout.write(`${c.red("✗")} ${i.sourceDir}: ${i.problem}\n`);
  }
}

async function confirmShortIds(items: ImportItemView[]): Promise<string[]> {
  if (!process.stdin.isTTY)
    throw new UsageError("confirmation needed: pass --confirm with the short ids of the identities once their old node is stopped");
  process.stdout.write(
    "\nWARNING: never run one identity on two nodes at once — that is equivocation and bans the identity for good.\n" +
      "Stop the old node and its post-services for these identities first.\n",
  );
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
  const typed: string[] = [];
  try {
    for (const i of items.filter((x) => x.ok)) {
      const answer = (await rl.question(`Type ${i.shortId} to confirm the old node no longer runs it: `)).trim();
      if (answer !== i.shortId) throw new OperationError(`'${answer}' is not ${i.shortId}; nothing was imported`);
      typed.push(answer);
    }
  } finally {
    rl.close();
  }
  return typed;
}

export async function run(args: string[]): Promise<number> {
  const p = parseArgs(args, {
    flags: ["--dry-run", "--json", "--fix", "--detach"],
    valued: ["--dir", "--units", "--provider", "--commitment-atx", "--labels-per-unit", "--max-file-size", "--confirm"],
    usage: USAGE,
  });
  const [sub, ...words] = p.words;
  if (!sub) throw new UsageError(USAGE);
  const json = p.flags.has("--json");
  const out = (v: unknown) => process.stdout.write(JSON.stringify(v, null, 2) + "\n");
  const { config, client } = await daemonFor(p);
  try {
    switch (sub) {
      case "add": {
        const [name] = words;
        const dir = p.values.get("--dir");
        const units = num(p, "--units");
        if (!name || words.length !== 1 || !dir || units === undefined) throw new UsageError(USAGE);
        // the demo rig's small geometry unless given (postcli's default is mainnet's 64 GiB per unit)
        const geometry = config.demo && !p.values.has("--labels-per-unit") ? DEMO_GEOMETRY : null;
        const labelsPerUnit = num(p, "--labels-per-unit") ?? geometry?.labelsPerUnit;
        const space = await checkAddSpace({ dir, units, labelsPerUnit }, { nodeDataFolder: config.node.dataFolder });
        if (space.problems.length) throw new OperationError(space.problems.join("; "));
        for (const w of space.warnings) process.stderr.write(`warning: ${w}\n`);
        const { task } = await client.call("identityAdd", {
          name,
          dir,
          units,
          provider: num(p, "--provider"),
          commitmentAtxId: p.values.get("--commitment-atx") ?? null,
          labelsPerUnit,
          maxFileSize: num(p, "--max-file-size") ?? geometry?.maxFileSize,
        });
        process.stderr.write(`started ${task.id} in the daemon (an SSH drop does not stop it; cancel with: postdeck identity cancel ${task.id})\n`);
        if (p.flags.has("--detach")) return 0;
        const end = await follow(client, task.id, `postdeck identity ${args.join(" ")}`);
        if (json) out(end);
        return end.state === "done" ? 0 : 1;
      }
      case "cancel": {
        if (words.length !== 1) throw new UsageError(USAGE);
        const { task } = await client.call("taskCancel", { id: words[0]! });
        process.stdout.write(taskLine(task) + "\n");
        return 0;
      }
      case "import": {
        if (words.length === 0) throw new UsageError(USAGE);
        const plan = await client.call("identityImport", { dirs: words, dryRun: true });
        if (p.flags.has("--dry-run")) {
          if (json) out(plan);
          else printPlan(plan.items);
          return plan.items.every((i) => i.ok) ? 0 : 1;
        }
        if (!json) printPlan(plan.items);
        if (!plan.items.some((i) => i.ok)) return 1;
        const confirm = p.values.has("--confirm") ? p.values.get("--confirm")!.split(",").map((s) => s.trim()) : await confirmShortIds(plan.items);
        const r = await client.call("identityImport", { dirs: words, dryRun: false, confirm });
        if (json) out(r);
        else process.stdout.write(`imported ${r.items.filter((i) => i.ok).length} identities (batch ${r.batch}); restart the node so it loads the keys; undo with: postdeck identity rollback\n`);
        return r.items.every((i) => i.ok) ? 0 : 1;
      }
      case "rollback": {
        const r = await client.call("identityRollback", {});
        if (json) out(r);
        else if (!r.batch) process.stdout.write("nothing to roll back\n");
        else for (const s of r.steps) process.stdout.write(`${s.destination}: ${s.action} (${s.why})\n`);
        return 0;
      }
      case "retire":
      case "rename": {
        const r =
          sub === "retire"
            ? words.length === 1 ? await client.call("identityRetire", { name: words[0]! }) : null
            : words.length === 2 ? await client.call("identityRename", { from: words[0]!, to: words[1]! }) : null;
        if (!r) throw new UsageError(USAGE);
        process.stdout.write(r.message + "\n");
        return r.ok ? 0 : 1;
      }
      case "permissions": {
        const r = await client.call("identityPermissions", { fix: p.flags.has("--fix") });
        if (json) out(r);
        else if (!r.problems.length) process.stdout.write("key files are 0600 and the identities dir is 0700\n");
        else
          for (const x of r.problems)
            process.stdout.write(`${x.path}: mode ${x.mode.toString(8)}, ${p.flags.has("--fix") ? "now" : "should be"} ${x.want.toString(8)}\n`);
        return r.problems.length && !p.flags.has("--fix") ? 1 : 0;
      }
      case "show": {
        if (words.length !== 1) throw new UsageError(USAGE);
        const { showIdentity } = await import("./identity-show.js");
        return await showIdentity(client, words[0]!, json);
      }
      case "providers": {
        const r = await client.call("providers", {});
        if (json) out(r);
        else {
          for (const x of r.providers) process.stdout.write(`${String(x.id).padStart(10)}  ${x.type}  ${x.model}\n`);
          if (r.error) process.stdout.write(`(${r.error})\n`);
          if (r.source !== "postcli") process.stdout.write("(from systeminformation: ids are not postcli -provider ids)\n");
        }
        return 0;
      }
      default:
        throw new UsageError(`unknown identity command '${sub}'\n${USAGE}`);
    }
  } finally {
    client.close();
  }
}
