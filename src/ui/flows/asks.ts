// The y/N questions of the identity lifecycle, each saying what will happen and what is kept:
// retire an identity, cancel a running init, roll back the last import.
import type { IdentityView, TaskView } from "../../protocol/model.js";
import type { Segment } from "../components/Line.js";
import { sanitize } from "../text-fit.js";
import { openAsk, type Step } from "./flows.js";
import { taskPercent } from "./task-progress.js";

const provingLine = (what: string): Segment[] => [{ text: `    • it is PROVING now: ${what} loses this proof's progress`, tone: "err", bold: true }];

/** `proving`: its service is proving now (provingNote), so stopping it loses the proof's progress. */
export function retireAsk(i: IdentityView, proving: boolean): Step {
  return openAsk({
    title: `Retire ${i.keyFile}`,
    lines: [
      [{ text: "  ! ", tone: "warn", bold: true }, { text: `Retire identity ${i.shortId ?? "?"} (${i.keyFile})?`, bold: true }],
      [{ text: "    • the key file moves to identities/retired/ (the node skips sub-directories; it is never deleted)" }],
      [{ text: i.service ? `    • its post-service ${i.service} is stopped and removed from the config` : "    • it has no post-service to stop" }],
      [{ text: `    • the PoS data${i.posDir ? ` in ${sanitize(i.posDir)}` : ""} is kept` }],
      ...(proving ? [provingLine("stopping its service")] : []),
      [{ text: "    Restart the node afterwards so it stops using this identity." }],
    ],
    yes: `retire ${i.keyFile}`,
    send: { route: "identityRetire", body: { name: i.keyFile } },
    cancelled: "retire cancelled: nothing was changed",
  });
}

/** Cancels the newest running task; null when none runs. */
export function cancelAsk(tasks: TaskView[]): Step | null {
  const running = tasks.filter((t) => t.state === "running").sort((a, b) => b.startedAt - a.startedAt);
  const t = running[0];
  if (!t) return null;
  const pct = taskPercent(t);
  const what = `${t.kind === "identity-add" ? "init" : "import"} of ${t.name}`;
  return openAsk({
    title: `Cancel the ${what}`,
    lines: [
      [{ text: "  ! ", tone: "warn", bold: true }, { text: `Stop the ${what}${pct != null ? ` at ${pct}%` : ""}?`, bold: true }],
      [{ text: "    The PoS data written so far is kept: adding it again with the same name, dir and units resumes." }],
      ...(running.length > 1 ? [[{ text: `    (${running.length - 1} other task(s) keep running)`, tone: "muted" as const }]] : []),
    ],
    yes: `stop the ${what}`,
    no: "keep it running (nothing is sent)",
    send: { route: "taskCancel", body: { id: t.id } },
    cancelled: `the ${what} keeps running`,
  });
}

export function rollbackAsk(): Step {
  return openAsk({
    title: "Roll back the last import",
    lines: [
      [{ text: "  ! ", tone: "warn", bold: true }, { text: "Roll back the last import?", bold: true }],
      [{ text: "    • the key files it copied into identities/ are removed when their original is still in place" }],
      [{ text: "      (a copy whose original is gone moves to identities/retired/; a changed copy is left alone)" }],
      [{ text: "    • their post-services are stopped and removed from the config" }],
      [{ text: "    • the source PoS dirs are not touched" }],
    ],
    yes: "roll back",
    send: { route: "identityRollback", body: {} },
    cancelled: "rollback cancelled: nothing was changed",
  });
}
