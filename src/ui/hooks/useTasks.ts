// Long tasks (an identity init) in the console: a task that ends says how it ended on the status
// line, and stays said (its message says what to do next); an add started here that finished
// offers the node restart the new key needs. Running tasks show on the status line when it is free.
import { useEffect, useRef } from "react";
import type { TaskView } from "../../protocol/model.js";
import type { Segment } from "../components/Line.js";
import type { Tone } from "../theme.js";
import { taskLong } from "../flows/task-progress.js";

export interface TaskEnd {
  task: TaskView;
  mark: string; // ✔ ✖ ○
  startedHere: boolean;
}

/**
 * Watches `tasks`; `say` announces each that ends, `onEnd` hears it after (the add offers the
 * restart). Returns `startedHere`: record a task id this console started.
 */
export function useTasks(tasks: TaskView[], say: (text: string, tone: Tone, sticky: boolean) => void, onEnd?: (e: TaskEnd) => void): { startedHere: (id: string) => void } {
  const seen = useRef(new Map<string, string>());
  const mine = useRef(new Set<string>());
  const latest = useRef({ say, onEnd });
  latest.current = { say, onEnd };
  useEffect(() => {
    for (const t of tasks) {
      const before = seen.current.get(t.id);
      seen.current.set(t.id, t.state);
      if (t.state === "running" || before === t.state) continue;
      if (before === "running" || (before === undefined && mine.current.has(t.id))) {
        const mark = t.state === "done" ? "✔" : t.state === "failed" ? "✖" : "○";
        latest.current.say(`${mark} ${taskLong(t)}`, t.state === "done" ? "ok" : t.state === "failed" ? "err" : "warn", true);
        latest.current.onEnd?.({ task: t, mark, startedHere: mine.current.has(t.id) });
      }
    }
  }, [tasks]);
  return { startedHere: (id: string) => void mine.current.add(id) };
}

/** The running tasks for the status line: `⟳ add post5: 25% · … | ⟳ …`. */
export function taskStatus(tasks: TaskView[]): Segment[] {
  const running = tasks.filter((t) => t.state === "running");
  if (running.length === 0) return [];
  return running.flatMap((t, i) => [...(i ? [{ text: " | " }] : []), { text: "⟳ ", tone: "info" as const, bold: true }, { text: taskLong(t) }]);
}
