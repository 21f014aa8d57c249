// Config problems for people: one line each, `<file>[:<line>]: <path>: <found>; expected <what>`.

/** Bad configuration: exit code 2, a list of one-line problems, never a stack trace. */
export class ConfigError extends Error {
  readonly exitCode = 2;
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(
      problems.length === 1
        ? `invalid config: ${problems[0]}`
        : `invalid config (${problems.length} problems):\n  ${problems.join("\n  ")}`,
    );
  }
}

/** `services[2].operatorAddress` from a path of keys and indices. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`;
    else out += out === "" ? String(p) : `.${String(p)}`;
  }
  return out === "" ? "(top level)" : out;
}

/** A short description of a value found in the file, for "found X". */
export function describeValue(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (typeof v === "string") return JSON.stringify(v.length > 60 ? v.slice(0, 57) + "..." : v);
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (typeof v === "object") return "a mapping";
  return typeof v;
}
