// The identity dialogs (add, import, retire, rename, rollback, cancel, results) as plain state
// and pure steps: a key press gives the next dialog state, maybe one daemon request to send and
// maybe a status-line message; a daemon reply (or error) gives the next state the same way.
// App.tsx sends the requests through the client and drops replies for a dialog that was closed.
import type { ImportItemView, RouteKey, RouteRequest, RouteResponse } from "../../protocol/api.js";
import type { DaemonClient } from "../../client/types.js";
import type { Segment } from "../components/Line.js";
import type { Tone } from "../theme.js";
import { sanitize } from "../text-fit.js";
import { taskLong } from "./task-progress.js";
import { isDialogKey } from "../keymap.js";
import {
  FIELDS,
  SUBMIT_ROW,
  LOADING_PROVIDERS,
  addProblems,
  addRequest,
  defaultDir,
  defaultParent,
  nameProblem,
  providerList,
  type AddContext,
  type AddValues,
  type FieldId,
  type ProviderList,
} from "./add-form.js";

/** One daemon request a step sends (any route when K is not given). */
export type Send<K extends RouteKey = RouteKey> = { [P in K]: { route: P; body: RouteRequest<P> } }[K];
/** A request with the daemon's reply to it: narrowing on `route` types the reply. */
export type Answer<K extends RouteKey = RouteKey> = { [P in K]: { route: P; body: RouteRequest<P>; reply: RouteResponse<P> } }[K];

/** Sends `send` through the client; the reply comes back beside the request it answers. */
export async function sendRequest<K extends RouteKey>(client: Pick<DaemonClient, "call">, send: Send<K>): Promise<Answer<K>> {
  return { route: send.route, body: send.body, reply: await client.call(send.route, send.body) };
}
export interface Say {
  text: string;
  tone: Tone;
  sticky?: boolean; // stays until the next message (results the operator must act on)
}

interface FlowBase {
  token: number; // replies for another token belong to a dialog that is gone
  busy: boolean; // a request is on its way: keys other than Esc wait
  error: string | null; // shown in the dialog
  /** A dialog that opened by itself takes no key before this time (performance.now()): keys typed for something else are not answers. */
  armAt?: number;
}

export interface AddFlow extends FlowBase {
  kind: "add";
  values: AddValues;
  dirEdited: boolean; // once typed into, the dir no longer follows the name
  parent: string | null;
  providers: ProviderList;
  focus: number; // index in FIELDS, or SUBMIT_ROW
  touched: FieldId[]; // fields left once: their problems show
  submitted: boolean; // after a submit attempt every problem shows
  /** The review step (what will be created, where, and what the daemon found): null while on the form. */
  review: AddReview | null;
}

export interface AddReview {
  request: RouteRequest<"identityAdd">; // exactly what Enter sends
  providerLabel: string;
  check: RouteResponse<"identityAddCheck"> | null; // null: the daemon has not answered yet
  checkError: string | null; // the daemon could not check (an older daemon, a lost connection)
}

export interface ImportFlow extends FlowBase {
  kind: "import";
  step: "dirs" | "plan" | "done";
  text: string; // the dirs being typed, then the short id being typed
  dirs: string[];
  items: ImportItemView[];
  typed: string[]; // short ids confirmed so far (in the order of the ok items)
  batch: string | null;
}

export interface AskFlow extends FlowBase {
  kind: "ask";
  title: string;
  lines: Segment[][];
  yes: string; // what y does
  no?: string; // what n does (default: cancel, nothing is sent)
  send: Send;
  cancelled: string; // said when the operator declines
}

export interface RenameFlow extends FlowBase {
  kind: "rename";
  keyFile: string;
  text: string;
  proving: boolean; // its service is proving: stopping it loses the proof's progress
}

export interface ResultFlow extends FlowBase {
  kind: "result";
  title: string;
  lines: Segment[][];
  scroll: number;
}

export type Flow = AddFlow | ImportFlow | AskFlow | RenameFlow | ResultFlow;
export const FLOW_KINDS = new Set<string>(["add", "import", "ask", "rename", "result"]);
export const isFlow = (o: { kind: string } | null): o is Flow => o !== null && FLOW_KINDS.has(o.kind);

export interface Step {
  flow: Flow | null; // null: the dialog closes
  send?: Send;
  say?: Say;
}

let tokens = 0;
const base = (): FlowBase => ({ token: ++tokens, busy: false, error: null });

export const EQUIVOCATION_WARNING =
  "Never run one identity on two nodes at once — that is equivocation and bans the identity for good. Stop the old node and its post-services for these identities first.";

// ---- opening ----

export function openAdd(ctx: AddContext): Step {
  const parent = defaultParent(ctx.services);
  const flow: AddFlow = {
    ...base(),
    kind: "add",
    values: { name: "", dir: defaultDir(parent, ""), units: "4", atx: "" },
    dirEdited: false,
    parent,
    providers: LOADING_PROVIDERS,
    focus: 0,
    touched: [],
    submitted: false,
    review: null,
  };
  return { flow, send: { route: "providers", body: {} } };
}

export function openImport(): Step {
  return { flow: { ...base(), kind: "import", step: "dirs", text: "", dirs: [], items: [], typed: [], batch: null } };
}

export function openRename(keyFile: string, proving = false): Step {
  return { flow: { ...base(), kind: "rename", keyFile, text: keyFile.replace(/\.key$/, ""), proving } };
}

export function openAsk(a: Omit<AskFlow, keyof FlowBase | "kind">): Step {
  return { flow: { ...base(), kind: "ask", ...a } };
}

export function openResult(title: string, lines: Segment[][]): Step {
  return { flow: { ...base(), kind: "result", title, lines, scroll: 0 } };
}

// ---- keys ----

const typing = (name: string, input: string) => input !== "" && !name.startsWith("ctrl+") && name.length === input.length;
const edit = (text: string, name: string, input: string): string | null => {
  if (name === "backspace") return [...text].slice(0, -1).join("");
  if (name === "ctrl+u") return "";
  if (typing(name, input)) return text + sanitize(input);
  return null;
};

/** The ok items of an import plan, in order: the ones whose short id must be typed. */
export const importable = (f: ImportFlow): ImportItemView[] => f.items.filter((i) => i.ok);

/** One key press in an open dialog. Every key is consumed: nothing reaches the panes. */
export function flowKey(flow: Flow, name: string, input: string, ctx: AddContext): Step {
  if (flow.busy) {
    if (name === "esc")
      return { flow: null, say: { text: "closed; the daemon is still working on it — its answer will show here", tone: "warn" } };
    return { flow, say: { text: "waiting for the daemon… (Esc closes this view)", tone: "muted" } };
  }
  switch (flow.kind) {
    case "add":
      return addKey(flow, name, input, ctx);
    case "import":
      return importKey(flow, name, input, ctx);
    case "ask":
      if (name === "y" || name === "Y") return { flow: { ...flow, busy: true, error: null }, send: flow.send };
      if (name === "n" || name === "N" || name === "esc") return { flow: null, say: { text: flow.cancelled, tone: "muted" } };
      return { flow, say: { text: `y: ${flow.yes} · n / Esc: cancel (nothing is sent)`, tone: "warn" } };
    case "rename": {
      if (name === "esc") return { flow: null, say: { text: "rename cancelled: nothing was changed", tone: "muted" } };
      if (name === "enter") {
        const to = flow.text.trim();
        const problem = nameProblem(to, ctx, flow.keyFile.replace(/\.key$/, ""));
        if (problem) return { flow: { ...flow, error: problem } };
        const send: Send = { route: "identityRename", body: { from: flow.keyFile, to } };
        // Renaming a PROVING identity restarts its service and loses the proof's progress: ask first.
        if (flow.proving)
          return openAsk({
            title: `Rename ${flow.keyFile}`,
            lines: [
              [{ text: `  ! ${flow.keyFile} is PROVING now: renaming restarts its service and loses this proof's progress`, tone: "err", bold: true }],
              [],
              [{ text: `  Rename it to ${to} anyway?` }],
            ],
            yes: `rename to ${to} anyway`,
            send,
            cancelled: "rename cancelled: nothing was changed",
          });
        return { flow: { ...flow, busy: true, error: null }, send };
      }
      const text = edit(flow.text, name, input);
      return { flow: text === null ? flow : { ...flow, text, error: null } };
    }
    case "result":
      if (name === "esc" || name === "enter" || name === "q") return { flow: null };
      if (name === "down" || name === "j") return { flow: { ...flow, scroll: flow.scroll + 1 } };
      if (name === "up" || name === "k") return { flow: { ...flow, scroll: Math.max(0, flow.scroll - 1) } };
      return { flow };
  }
}

function addKey(f: AddFlow, name: string, input: string, ctx: AddContext): Step {
  if (f.review) return reviewKey(f, f.review, name);
  if (isDialogKey(name, "back")) return { flow: null, say: { text: "add cancelled: nothing was sent", tone: "muted" } };
  const field = FIELDS[f.focus];
  const leave = (to: number): AddFlow => ({
    ...f,
    focus: Math.max(0, Math.min(SUBMIT_ROW, to)),
    touched: field && !f.touched.includes(field) ? [...f.touched, field] : f.touched,
  });
  if (name === "tab") return { flow: leave((f.focus + 1) % (SUBMIT_ROW + 1)) };
  if (name === "shift+tab") return { flow: leave((f.focus + SUBMIT_ROW) % (SUBMIT_ROW + 1)) };
  if (name === "down") return { flow: leave(f.focus + 1) };
  if (name === "up") return { flow: leave(f.focus - 1) };
  if (name === "enter") {
    if (f.focus < FIELDS.length - 1) return { flow: leave(f.focus + 1) };
    return submitAdd(f, ctx);
  }
  if (field === "provider") {
    const n = f.providers.choices.length;
    const move = name === "right" || name === " " ? 1 : name === "left" ? -1 : 0;
    if (move) return { flow: { ...f, providers: { ...f.providers, index: (f.providers.index + move + n) % n } } };
    return { flow: f, say: { text: "←/→ or Space choose the provider", tone: "muted" } };
  }
  if (!field) return { flow: f, say: { text: "Enter starts the init · ↑ back to the fields · Esc cancels", tone: "muted" } };
  const text = edit(f.values[field], name, input);
  if (text === null) return { flow: f };
  const values = { ...f.values, [field]: text };
  if (field === "name" && !f.dirEdited) values.dir = defaultDir(f.parent, text);
  return { flow: { ...f, values, dirEdited: f.dirEdited || field === "dir", error: null } };
}

/** The form is filled in: on to the review, asking the daemon what the add would find. */
function submitAdd(f: AddFlow, ctx: AddContext): Step {
  const problems = addProblems(f.values, ctx);
  const first = FIELDS.findIndex((id) => problems[id] !== undefined);
  if (first !== -1)
    return {
      flow: { ...f, submitted: true, focus: first, error: "fix the fields marked ✖ first: nothing was sent" },
    };
  const choice = f.providers.choices[f.providers.index]!;
  const request = addRequest(f.values, choice.id, ctx.demo);
  const body: RouteRequest<"identityAddCheck"> = { dir: request.dir, units: request.units };
  if (request.labelsPerUnit !== undefined) body.labelsPerUnit = request.labelsPerUnit;
  return {
    flow: { ...f, submitted: true, error: null, review: { request, providerLabel: choice.label, check: null, checkError: null } },
    send: { route: "identityAddCheck", body },
  };
}

/** The review step: Enter starts the init (unless the daemon would refuse it), Esc goes back to the form. */
function reviewKey(f: AddFlow, r: AddReview, name: string): Step {
  if (isDialogKey(name, "back")) return { flow: { ...f, review: null, error: null } };
  if (!isDialogKey(name, "accept")) return { flow: f, say: { text: "Enter starts the init · Esc goes back to the form", tone: "muted" } };
  if (!r.check && !r.checkError) return { flow: f, say: { text: "checking the target volume… (Esc goes back)", tone: "muted" } };
  if (r.check?.problems.length) return { flow: { ...f, error: "the daemon would refuse this add (see above): Esc goes back to change it" } };
  return { flow: { ...f, busy: true, error: null }, send: { route: "identityAdd", body: r.request } };
}

/** Dirs as typed: separated by spaces; "double quotes" keep a dir with spaces together. */
export function splitDirs(text: string): string[] {
  return [...text.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!).filter((d) => d !== "");
}

/** The request that restarts the supervised node (so it loads new keys / drops retired ones). */
export const RESTART_NODE: Send = { route: "restart", body: { names: ["node"], all: false, force: false } };

function importKey(f: ImportFlow, name: string, input: string, ctx: AddContext): Step {
  if (name === "esc")
    return {
      flow: null,
      say: { text: f.step === "done" ? "import closed" : "import cancelled: nothing was imported", tone: "muted" },
    };
  if (f.step === "done") {
    if (name === "r" && ctx.nodeSupervised) return { flow: { ...f, busy: true }, send: RESTART_NODE };
    return name === "enter" || name === "q" ? { flow: null } : { flow: f };
  }
  if (name === "enter") {
    if (f.step === "dirs") {
      const dirs = splitDirs(f.text);
      if (dirs.length === 0) return { flow: { ...f, error: "type one or more PoS dirs (each holding identity.key), separated by spaces" } };
      return { flow: { ...f, dirs, busy: true, error: null }, send: { route: "identityImport", body: { dirs, dryRun: true, confirm: [] } } };
    }
    const ok = importable(f);
    const want = ok[f.typed.length];
    if (!want) return { flow: null, say: { text: "nothing to import: fix the problems shown, then try again", tone: "warn" } };
    const typed = f.text.trim().toLowerCase(); // the id is hex: case is not the point, typing it is
    if (typed !== want.shortId)
      return {
        flow: { ...f, text: "", error: `'${typed}' is not ${want.shortId}: nothing was imported. Type ${want.shortId} again, or Esc to cancel` },
      };
    const all = [...f.typed, typed];
    if (all.length < ok.length) return { flow: { ...f, typed: all, text: "", error: null } };
    return {
      flow: { ...f, typed: all, text: "", busy: true, error: null },
      send: { route: "identityImport", body: { dirs: f.dirs, dryRun: false, confirm: all } },
    };
  }
  if (f.step === "plan" && importable(f).length === 0) return { flow: f };
  const text = edit(f.text, name, input);
  return { flow: text === null ? f : { ...f, text, error: null } };
}

// ---- daemon replies ----

/** The daemon answered `a` for `flow` (which is still open). */
export function flowReply(flow: Flow, a: Answer): Step {
  switch (a.route) {
    case "providers": {
      if (flow.kind !== "add") return { flow };
      const list = providerList(a.reply);
      return { flow: { ...flow, providers: list } };
    }
    case "identityAddCheck": {
      // an answer for the review on screen (not one the operator went back from and changed)
      if (flow.kind !== "add" || !flow.review || flow.review.request.dir !== a.body.dir || flow.review.request.units !== a.body.units) return { flow };
      return { flow: { ...flow, review: { ...flow.review, check: a.reply } } };
    }
    case "identityAdd": {
      const { task } = a.reply;
      return {
        flow: null,
        say: {
          text: `✔ started: postcli writes ${task.name}'s PoS data in the daemon (an SSH drop does not stop it); c cancels`,
          tone: "ok",
        },
      };
    }
    case "identityImport": {
      if (flow.kind !== "import") return { flow };
      const r = a.reply;
      if (a.body.dryRun !== false) {
        const ok = r.items.filter((i) => i.ok).length;
        return {
          flow: { ...flow, busy: false, step: "plan", items: r.items, typed: [], text: "", error: ok ? null : "nothing can be imported from these dirs: Esc closes" },
        };
      }
      const n = r.items.filter((i) => i.ok).length;
      return {
        flow: { ...flow, busy: false, step: "done", items: r.items, batch: r.batch },
        say: {
          text: `✔ imported ${n} identit${n === 1 ? "y" : "ies"} (batch ${r.batch}): restart the node so it loads the keys; undo with : roll back last import`,
          tone: "ok",
          sticky: true,
        },
      };
    }
    case "identityRollback": {
      const r = a.reply;
      if (!r.batch) return { flow: null, say: { text: "nothing to roll back: no import in the journal", tone: "muted" } };
      const lines: Segment[][] = [
        [{ text: `  batch ${r.batch}`, bold: true }],
        [],
        ...r.steps.map((s): Segment[] => [
          { text: s.action === "left in place" ? "  ! " : "  ✔ ", tone: s.action === "left in place" ? "warn" : "ok", bold: true },
          { text: `${sanitize(s.destination)}: `, bold: true },
          { text: `${s.action} (${sanitize(s.why)})` },
        ]),
        [],
        [{ text: "  Restart the node so it stops using the rolled-back keys.", bold: true }],
      ];
      return {
        ...openResult("Rolled back the last import", lines),
        say: { text: `✔ rolled back ${r.batch}: ${r.steps.length} step(s); restart the node`, tone: "ok", sticky: true },
      };
    }
    case "identityRetire":
    case "identityRename": {
      const r = a.reply;
      return { flow: null, say: { text: `${r.ok ? "✔" : "✖"} ${r.message}`, tone: r.ok ? "ok" : "err", sticky: true } };
    }
    case "identityPermissions": {
      const r = a.reply;
      if (r.problems.length === 0)
        return { flow: null, say: { text: "✔ key files are 0600 and the identities dir is 0700: nothing to change", tone: "ok" } };
      const lines: Segment[][] = r.problems.map((p) => [
        { text: "  ✔ ", tone: "ok", bold: true },
        { text: `${sanitize(p.path)}: `, bold: true },
        { text: `mode ${p.mode.toString(8)} → ${p.want.toString(8)}` },
      ]);
      return {
        ...openResult("Fixed key permissions", lines),
        say: { text: `✔ fixed permissions of ${r.problems.length} path(s)`, tone: "ok" },
      };
    }
    case "start":
    case "stop":
    case "restart": {
      const r = a.reply;
      const bad = r.results.filter((x) => !x.ok);
      return bad.length
        ? { flow: null, say: { text: `✖ ${a.route} ${bad.map((x) => `${x.name}: ${x.message}`).join("; ")}`, tone: "err", sticky: true } }
        : { flow: null, say: { text: `✔ ${a.route} ${r.results.map((x) => x.name).join(", ") || "nothing"}: ${r.results[0]?.message ?? "ok"}`, tone: "ok" } };
    }
    case "taskCancel": {
      const { task } = a.reply;
      return { flow: null, say: { text: `○ ${taskLong(task)}`, tone: "warn", sticky: true } };
    }
    default:
      return { flow };
  }
}

/** The daemon refused or failed `send` (a 409 "already exists", a lost connection, …). */
export function flowFailure(flow: Flow, send: Send, message: string): Step {
  const text = `✖ ${routeWords[send.route] ?? send.route} failed: ${message}`;
  if (send.route === "providers" && flow.kind === "add")
    return { flow: { ...flow, providers: { ...LOADING_PROVIDERS, note: `could not list providers (${message}): the CPU provider is used` } } };
  if (send.route === "identityAddCheck")
    return { flow: flow.kind === "add" && flow.review ? { ...flow, review: { ...flow.review, checkError: message } } : flow };
  if (flow.kind === "import" && send.route === "identityImport" && send.body.dryRun === false)
    return { flow: { ...flow, busy: false, typed: [], text: "", error: `${text} — type the ids again to retry, Esc to cancel` }, say: { text, tone: "err" } };
  if (flow.kind === "ask" || flow.kind === "result") return { flow: null, say: { text, tone: "err" } };
  return { flow: { ...flow, busy: false, error: text }, say: { text, tone: "err" } };
}

const routeWords: Partial<Record<RouteKey, string>> = {
  identityAdd: "add",
  identityImport: "import",
  identityRollback: "rollback",
  identityRetire: "retire",
  identityRename: "rename",
  identityPermissions: "fixing permissions",
  taskCancel: "cancel",
  restart: "restart",
  providers: "listing providers",
  identityAddCheck: "checking the target volume",
};

/** After an add finished: offer to restart the supervised node so it loads the new key. */
export function offerNodeRestart(what: string): Step {
  return openAsk({
    title: "Restart the node",
    lines: [
      [{ text: "  ✔ ", tone: "ok", bold: true }, { text: sanitize(what), bold: true }],
      [],
      [{ text: "  The node loads identity keys when it starts: restart it now (postdeck supervises it)?" }],
      [{ text: "  Its other identities reconnect after the restart.", tone: "muted" }],
    ],
    yes: "restart the node now",
    no: "later (: restart the node, when convenient)",
    send: RESTART_NODE,
    cancelled: "the node keeps running without the new key: : restart the node when convenient",
  });
}

/** What to say about a request whose dialog was closed before the answer came. */
export function lateReply(a: Answer): Say | null {
  if (a.route === "providers" || a.route === "identityAddCheck") return null;
  if (a.route === "identityImport" && a.body.dryRun !== false) return null;
  const step = flowReply(openImport().flow!, a);
  return step.say ?? null;
}
