// The add-identity form: its fields, the defaults the console can guess (PoS dir, provider),
// inline validation and the exact `identityAdd` request it sends. Plain data, no React.
import type { Provider, ServiceView, IdentityView } from "../../protocol/model.js";
import type { RouteRequest } from "../../protocol/api.js";

export const CPU_PROVIDER = 4294967295;
/** The demo rig's postcli geometry (small PoS); a real rig leaves postcli's defaults. */
export const DEMO_GEOMETRY = { labelsPerUnit: 65536, maxFileSize: 1048576 };
const MAINNET_LABELS_PER_UNIT = 4294967296; // postcli's default: 64 GiB per unit
const MIN_MAINNET_UNITS = 4;

export type TextFieldId = "name" | "dir" | "units" | "atx";
export type FieldId = TextFieldId | "provider";
/** Field order in the form; the row after the last field is the Start row. */
export const FIELDS: FieldId[] = ["name", "dir", "units", "provider", "atx"];
export const SUBMIT_ROW = FIELDS.length;

export const FIELD_LABELS: Record<FieldId, string> = {
  name: "Name",
  dir: "PoS dir",
  units: "Units",
  provider: "Provider",
  atx: "Commit. ATX",
};

export interface ProviderChoice {
  id: number;
  label: string; // e.g. "0 GPU NVIDIA GeForce RTX 3080"
}

export interface ProviderList {
  choices: ProviderChoice[];
  index: number; // the chosen one
  note: string | null; // why only CPU / where the list came from, for people
}

export interface AddValues {
  name: string;
  dir: string;
  units: string;
  atx: string;
}

/** What the form needs to know about the rig to check and default its fields. */
export interface AddContext {
  demo: boolean;
  nodeSupervised?: boolean; // postdeck runs the node: the console can offer to restart it
  services: Pick<ServiceView, "name" | "dir">[];
  identities: Pick<IdentityView, "keyFile">[];
}

const cpuChoice: ProviderChoice = { id: CPU_PROVIDER, label: `${CPU_PROVIDER} CPU (postcli's CPU provider)` };

/** Before the daemon answered: CPU only. */
export const LOADING_PROVIDERS: ProviderList = { choices: [cpuChoice], index: 0, note: "asking the daemon for providers…" };

/**
 * The choices from the `providers` route. postcli's own list gives real `-provider` ids (GPU first
 * by default); ids from systeminformation are not postcli ids, so then only the CPU provider is offered.
 */
export function providerList(r: { providers: Provider[]; source: string; error: string | null }): ProviderList {
  if (r.source !== "postcli") {
    const seen = r.providers.filter((p) => p.type === "GPU").map((p) => p.model);
    const note =
      `the ids the daemon has come from ${r.source === "none" ? "nowhere (no postcli)" : r.source}, not postcli: they are not -provider ids, so the CPU provider is used` +
      (seen.length ? ` (GPU seen: ${seen.join(", ")}; configure postcli to choose it)` : "") +
      (r.error ? ` — ${r.error}` : "");
    return { choices: [cpuChoice], index: 0, note };
  }
  const choices = r.providers.map((p) => ({ id: p.id, label: p.model.startsWith(`[${p.type}]`) ? `${p.id} ${p.model}` : `${p.id} ${p.type} ${p.model}` }));
  if (!choices.some((c) => c.id === CPU_PROVIDER)) choices.push(cpuChoice);
  const gpu = r.providers.findIndex((p) => p.type === "GPU");
  return { choices, index: gpu === -1 ? choices.length - 1 : gpu, note: r.error ? `postcli: ${r.error}` : null };
}

const parentOf = (dir: string): string => {
  const trimmed = dir.replace(/\/+$/, "");
  const i = trimmed.lastIndexOf("/");
  return i <= 0 ? "/" : trimmed.slice(0, i);
};

/** The parent dir most existing services keep their PoS data in, or null when there is none. */
export function defaultParent(services: Pick<ServiceView, "dir">[]): string | null {
  const counts = new Map<string, number>();
  for (const s of services) if (s.dir.startsWith("/")) counts.set(parentOf(s.dir), (counts.get(parentOf(s.dir)) ?? 0) + 1);
  let best: string | null = null;
  for (const [p, n] of counts) if (best === null || n > counts.get(best)!) best = p;
  return best;
}

export function defaultDir(parent: string | null, name: string): string {
  if (parent === null) return "";
  return (parent === "/" ? "/" : parent + "/") + name;
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Why a name cannot be an identity (key file NAME.key and service NAME), or null. */
export function nameProblem(name: string, ctx: Pick<AddContext, "services" | "identities">, current?: string): string | null {
  if (name === "") return "type a name";
  if (name.endsWith(".key")) return "leave out .key: the key file will be NAME.key";
  if (!NAME_RE.test(name)) return "use letters, digits, '.', '_' or '-' only (at most 64, first a letter or digit)";
  if (name === "local") return "local.key is reserved by go-spacemesh; choose another name";
  if (name === current) return "that is its name already";
  if (ctx.identities.some((i) => i.keyFile === `${name}.key`)) return `identities/${name}.key already exists`;
  if (ctx.services.some((s) => s.name === name)) return `a service named ${name} already exists`;
  return null;
}

export function unitsValue(text: string): number | null {
  return /^\d{1,7}$/.test(text.trim()) && Number(text.trim()) >= 1 ? Number(text.trim()) : null;
}

/** Problems per field (only fields with a problem appear). */
export function addProblems(v: AddValues, ctx: AddContext): Partial<Record<FieldId, string>> {
  const out: Partial<Record<FieldId, string>> = {};
  const name = nameProblem(v.name, ctx);
  if (name) out.name = name;
  const dir = v.dir.trim();
  if (dir === "") out.dir = "type the directory postcli should write the PoS data to";
  else if (!dir.startsWith("/")) out.dir = "use an absolute path (the daemon runs elsewhere than this console)";
  else {
    const owner = ctx.services.find((s) => s.dir.replace(/\/+$/, "") === dir.replace(/\/+$/, ""));
    if (owner) out.dir = `already the PoS dir of service ${owner.name}`;
  }
  if (unitsValue(v.units) === null) out.units = `expected a whole number ≥ 1, found '${v.units}'`;
  if (v.atx.trim() !== "" && !/^[0-9a-fA-F]{64}$/.test(v.atx.trim()))
    out.atx = `expected 64 hex characters (or empty to ask the node), found ${v.atx.trim().length} characters`;
  return out;
}

/** A hint beside the units: the size it means, and mainnet's minimum. */
export function unitsHint(text: string, demo: boolean): { text: string; warn: boolean } | null {
  const n = unitsValue(text);
  if (n === null) return null;
  const perUnit = (demo ? DEMO_GEOMETRY.labelsPerUnit : MAINNET_LABELS_PER_UNIT) * 16;
  const gib = (n * perUnit) / 2 ** 30;
  const size = gib >= 1 ? `${gib >= 100 ? gib.toFixed(0) : gib.toFixed(1)} GiB` : `${((n * perUnit) / 2 ** 20).toFixed(1)} MiB`;
  if (!demo && n < MIN_MAINNET_UNITS) return { text: `= ${size}; mainnet needs at least ${MIN_MAINNET_UNITS} units`, warn: true };
  return { text: `= ${size} of PoS data${demo ? " (demo geometry)" : ""}`, warn: false };
}

/** The request the form sends (call only when addProblems is empty). */
export function addRequest(v: AddValues, provider: number, demo: boolean): RouteRequest<"identityAdd"> {
  const body: RouteRequest<"identityAdd"> = {
    name: v.name,
    dir: v.dir.trim(),
    units: unitsValue(v.units)!,
    provider,
    commitmentAtxId: v.atx.trim() === "" ? null : v.atx.trim().toLowerCase(),
  };
  if (demo) Object.assign(body, DEMO_GEOMETRY);
  return body;
}
