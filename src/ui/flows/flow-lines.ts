// What each identity dialog shows: lines of styled segments for TextBlock (which wraps and cuts
// them to the terminal). Never colour alone: the focused field has `›`, problems `✖`, plan rows ✓/✗.
import type { Segment } from "../components/Line.js";
import { sanitize, truncateStart } from "../text-fit.js";
import { FIELDS, FIELD_LABELS, SUBMIT_ROW, addProblems, unitsHint, type AddContext, type FieldId } from "./add-form.js";
import { EQUIVOCATION_WARNING, importable, type AddFlow, type AddReview, type Flow, type ImportFlow } from "./flows.js";
import { formatBytes } from "../../presentation/units.js";

export interface FlowView {
  title: string;
  info: string;
  lines: Segment[][];
  bottom?: boolean; // keep the end in view (the prompt is last)
  scroll?: number;
}

const LABEL_W = 12;
const FIELD_WIDTH: Record<FieldId, number> = { name: 24, dir: 56, units: 8, provider: 0, atx: 66 };
const err = (text: string): Segment[] => [{ text: "  ✖ ", tone: "err", bold: true }, { text, tone: "err" }];
const blank: Segment[] = [];

/** A text field: `[value█   ]`, at most `max` cells wide and never wider than the row allows. */
function fieldBox(value: string, focused: boolean, width: number, max = 66): Segment[] {
  const room = Math.max(4, Math.min(max, width - LABEL_W - 8));
  const shown = focused ? truncateStart(value, room - 1) + "█" : truncateStart(value, room);
  return [{ text: "[", tone: "muted" }, { text: shown.padEnd(room), underline: focused }, { text: "]", tone: "muted" }];
}

function addLines(f: AddFlow, ctx: AddContext, width: number): Segment[][] {
  const problems = addProblems(f.values, ctx);
  const show = (id: FieldId) => (f.submitted || f.touched.includes(id)) && problems[id] !== undefined;
  const lines: Segment[][] = [
    [
      {
        text: "  postcli writes the PoS data in the daemon (an SSH drop does not stop it); then the key goes into identities/ and a post-service into the config.",
        tone: "muted",
      },
    ],
    blank,
  ];
  FIELDS.forEach((id, i) => {
    const focused = f.focus === i;
    const head: Segment[] = [
      { text: focused ? " › " : "   ", bold: true, tone: "accent" },
      { text: FIELD_LABELS[id].padEnd(LABEL_W), bold: true },
    ];
    if (id === "provider") {
      const c = f.providers.choices[f.providers.index]!;
      lines.push([
        ...head,
        { text: "‹ ", tone: "muted" },
        { text: sanitize(c.label), inverse: focused, bold: focused },
        { text: " ›", tone: "muted" },
        { text: f.providers.choices.length > 1 ? `  ${f.providers.index + 1}/${f.providers.choices.length} ←/→` : "", tone: "muted" },
      ]);
      if (f.providers.note) lines.push([{ text: "     " }, { text: sanitize(f.providers.note), tone: "warn" }]);
      return;
    }
    const line = [...head, ...fieldBox(f.values[id], focused, width, FIELD_WIDTH[id])];
    if (id === "units") {
      const hint = unitsHint(f.values.units, ctx.demo);
      if (hint) line.push({ text: " " + hint.text, tone: hint.warn ? "warn" : "muted" });
    }
    lines.push(line);
    if (id === "atx" && f.values.atx === "") lines.push([{ text: "   " + " ".repeat(LABEL_W) }, { text: "empty: postdeck asks the node (ActivationService.Highest)", tone: "muted" }]);
    if (show(id)) lines.push([{ text: "   " + " ".repeat(LABEL_W) }, ...err(problems[id]!).slice(0)]);
  });
  lines.push(blank, [
    { text: f.focus === SUBMIT_ROW ? " › " : "   ", bold: true, tone: "accent" },
    { text: "[ Start init ]", bold: true, inverse: f.focus === SUBMIT_ROW },
    { text: f.focus === SUBMIT_ROW ? "  Enter: review what will be created" : "", tone: "muted" },
  ]);
  if (ctx.demo) lines.push([{ text: "   demo rig: small PoS geometry (labelsPerUnit 65536, maxFileSize 1 MiB)", tone: "muted" }]);
  if (f.busy) lines.push(blank, [{ text: "  … asking the daemon to start the init", tone: "info" }]);
  if (f.error) lines.push(blank, err(f.error));
  return lines;
}

/** The add's last step: what will be created, where, how big, the target volume and the daemon's warnings. */
function reviewLines(f: AddFlow, r: AddReview, ctx: AddContext): Segment[][] {
  const q = r.request;
  const row = (label: string, value: string, tone?: Segment["tone"]): Segment[] => [
    { text: "   " + label.padEnd(LABEL_W), bold: true },
    { text: sanitize(value), tone },
  ];
  const c = r.check;
  const size = c ? formatBytes(c.sizeBytes) : "…";
  const lines: Segment[][] = [
    [{ text: "  Review: nothing is written until Enter.", tone: "muted" }],
    blank,
    row("Identity", `${q.name}: a new key identities/${q.name}.key and a post-service ${q.name} in the config`),
    row("PoS dir", c?.dir ?? q.dir),
    row("Size", `${size} (${q.units} unit${q.units === 1 ? "" : "s"})${c && c.needBytes < c.sizeBytes ? `, ${formatBytes(c.needBytes)} still to write (an earlier add's files count)` : ""}`),
    row("Provider", r.providerLabel),
    row("Commit. ATX", q.commitmentAtxId ?? "asked from the node when postcli starts"),
  ];
  if (ctx.demo) lines.push(row("", "demo geometry: labelsPerUnit 65536, maxFileSize 1 MiB", "muted"));
  if (c) {
    if (c.freeBytes != null && c.totalBytes != null && c.totalBytes > 0) {
      const usedNow = Math.round((1 - c.freeBytes / c.totalBytes) * 100);
      const usedAfter = Math.round((1 - Math.max(0, c.freeBytes - c.needBytes) / c.totalBytes) * 100);
      lines.push(row("Volume", `${formatBytes(c.freeBytes)} free of ${formatBytes(c.totalBytes)} (${usedNow} % used now, ${usedAfter} % after)`, usedAfter > 95 ? "warn" : undefined));
    } else lines.push(row("Volume", "free space unknown", "warn"));
    for (const w of c.warnings) lines.push([{ text: "  ! ", tone: "warn", bold: true }, { text: sanitize(w), tone: "warn" }]);
    for (const p of c.problems) lines.push(err(sanitize(p)));
    if (c.warnings.length === 0 && c.problems.length === 0) lines.push([{ text: "  ✔ ", tone: "ok", bold: true }, { text: "the daemon found nothing against it", tone: "ok" }]);
  } else if (r.checkError) lines.push([{ text: "  ! ", tone: "warn", bold: true }, { text: `could not check the target volume (${sanitize(r.checkError)}): the add still checks before postcli starts`, tone: "warn" }]);
  else lines.push([{ text: "  … asking the daemon about the target volume", tone: "info" }]);
  lines.push(blank, [
    { text: " › ", bold: true, tone: "accent" },
    { text: c?.problems.length ? "[ cannot start: Esc back ]" : "[ Enter: start init ]", bold: true, inverse: true },
    { text: "   Esc: back to the form", tone: "muted" },
  ]);
  if (f.busy) lines.push(blank, [{ text: "  … asking the daemon to start the init", tone: "info" }]);
  if (f.error) lines.push(blank, err(f.error));
  return lines;
}

function planLines(f: ImportFlow): Segment[][] {
  return f.items.map((i) =>
    i.ok
      ? [
          { text: "  ✓ ", tone: "ok", bold: true },
          { text: `${sanitize(i.sourceDir)}: `, bold: true },
          { text: `identity ${i.shortId} → identities/${i.keyName}, service ${i.serviceName}` },
          { text: f.typed.length > importable(f).indexOf(i) ? "  (confirmed)" : "", tone: "ok" },
        ]
      : [{ text: "  ✗ ", tone: "err", bold: true }, { text: `${sanitize(i.sourceDir)}: `, bold: true }, { text: sanitize(i.problem ?? "refused"), tone: "err" }],
  );
}

function importLines(f: ImportFlow, ctx: AddContext, width: number): Segment[][] {
  if (f.step === "dirs") {
    const lines: Segment[][] = [
      [
        {
          text: "  Import (migrate) identities from PoS dirs that hold identity.key. A dry run shows the plan first; nothing is copied before you confirm each identity.",
          tone: "muted",
        },
      ],
      blank,
      [{ text: " › ", bold: true, tone: "accent" }, { text: "PoS dirs".padEnd(LABEL_W), bold: true }, ...fieldBox(f.text, true, width, 66)],
      [{ text: "   " + " ".repeat(LABEL_W) }, { text: "separated by spaces; \"quote\" a dir with spaces", tone: "muted" }],
    ];
    if (f.busy) lines.push(blank, [{ text: "  … dry run in the daemon", tone: "info" }]);
    if (f.error) lines.push(blank, err(f.error));
    return lines;
  }
  const lines: Segment[][] = [[{ text: f.step === "done" ? "  Result" : "  Plan (dry run, nothing copied yet)", bold: true, underline: true }], ...planLines(f)];
  const ok = importable(f);
  if (f.step === "done") {
    lines.push(
      blank,
      [{ text: `  ✔ imported ${ok.length} identit${ok.length === 1 ? "y" : "ies"} (batch ${f.batch ?? "?"})`, tone: "ok", bold: true }],
      [{ text: "  Restart the node so it loads the new keys; undo with : roll back last import.", bold: true }],
    );
    if (ctx.nodeSupervised) lines.push(blank, [{ text: "  r ", bold: true, tone: "info" }, { text: "restart the node now (postdeck supervises it)" }]);
    if (f.busy) lines.push(blank, [{ text: "  … restarting the node", tone: "info" }]);
    return lines;
  }
  if (ok.length > 0) {
    const want = ok[f.typed.length];
    lines.push(blank, [{ text: "  ! WARNING ", tone: "warn", bold: true, inverse: true }, { text: " " + EQUIVOCATION_WARNING, bold: true }], blank);
    if (want) {
      lines.push([
        { text: `  ${f.typed.length + 1}/${ok.length} ` },
        { text: `Type ${want.shortId}`, bold: true },
        { text: ` to confirm the old node no longer runs it (${sanitize(want.sourceDir)}):` },
      ]);
      lines.push([{ text: " › ", bold: true, tone: "accent" }, { text: "short id".padEnd(LABEL_W), bold: true }, ...fieldBox(f.text, !f.busy, width, 10)]);
    }
    if (f.busy) lines.push(blank, [{ text: "  … importing in the daemon", tone: "info" }]);
  }
  if (f.error) lines.push(blank, err(f.error));
  return lines;
}

export function flowView(f: Flow, ctx: AddContext, width: number): FlowView {
  switch (f.kind) {
    case "add":
      if (f.review) return { title: "Add identity: review", info: "Enter start init · Esc back to the form", lines: reviewLines(f, f.review, ctx), bottom: true };
      // bottom: on a short terminal the intro scrolls away first; the fields, Start and the error stay
      return { title: "Add identity", info: "Tab/↑↓ fields · Enter next/review · Esc cancel: nothing is sent", lines: addLines(f, ctx, width), bottom: true };
    case "import":
      return {
        title: "Import identities",
        info: f.step === "done" ? `Enter/Esc close${ctx.nodeSupervised ? " · r restart the node" : ""}` : "Enter next · Esc cancel: nothing is imported",
        lines: importLines(f, ctx, width),
        bottom: f.step !== "dirs",
      };
    case "ask":
      return {
        title: f.title,
        info: "y confirm · n/Esc cancel",
        lines: [
          blank,
          ...f.lines,
          blank,
          [{ text: "  y         ", bold: true, tone: "info" }, { text: f.yes }],
          [{ text: "  n / Esc   ", bold: true, tone: "info" }, { text: f.no ?? "cancel: nothing is sent" }],
          ...(f.busy ? [blank, [{ text: "  … asking the daemon", tone: "info" as const }]] : []),
          ...(f.error ? [blank, err(f.error)] : []),
        ],
      };
    case "rename":
      return {
        title: `Rename ${f.keyFile}`,
        info: "Enter rename · Esc cancel",
        lines: [
          blank,
          [
            {
              text: "  The key file and its post-service are renamed together; the service is stopped first. Restart the node afterwards so it reports the new name.",
              tone: "muted",
            },
          ],
          ...(f.proving ? [[{ text: "  ! it is PROVING now: stopping its service loses this proof's progress", tone: "err" as const, bold: true }]] : []),
          blank,
          [{ text: " › ", bold: true, tone: "accent" }, { text: "New name".padEnd(LABEL_W), bold: true }, ...fieldBox(f.text, !f.busy, width, 24)],
          ...(f.busy ? [blank, [{ text: "  … renaming in the daemon", tone: "info" as const }]] : []),
          ...(f.error ? [blank, err(f.error)] : []),
        ],
      };
    case "result":
      return { title: f.title, info: "Enter/Esc close", lines: f.lines, scroll: f.scroll };
  }
}
