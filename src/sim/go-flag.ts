// A re-implementation of Go's `flag` package parsing (ExitOnError mode) for the simulated postcli:
// `-flag=value`, `-flag value`, `--flag`, bool flags never consume the next argument, parsing stops at
// the first non-flag argument or `--`, and errors/usage are printed in Go's exact words.

export type GoFlagKind = "bool" | "string" | "uint" | "uint64" | "uint32" | "int" | "float" | "value";

export interface GoFlagDef {
  name: string;
  kind: GoFlagKind;
  usage: string;
  /** Default value as Go prints it in PrintDefaults (omitted when it is the zero value). */
  defValue: string;
  /** For kind "value": parse the text, throw an Error whose message Go would show. */
  parse?: (text: string) => unknown;
}

export type GoFlagValues = Map<string, unknown>;

export interface GoFlagResult {
  ok: true;
  values: GoFlagValues;
  /** Names of the flags that were set on the command line (Go's flag.Visit). */
  set: Set<string>;
  rest: string[];
}

export interface GoFlagFailure {
  ok: false;
  exitCode: number; // 2 for errors, 0 for -h/-help
  output: string; // what Go writes to stderr
}

const ZERO: Record<GoFlagKind, string> = {
  bool: "false",
  string: "",
  uint: "0",
  uint64: "0",
  uint32: "0",
  int: "0",
  float: "0",
  value: "",
};

const TYPE_NAME: Record<GoFlagKind, string> = {
  bool: "",
  string: "string",
  uint: "uint",
  uint64: "uint",
  uint32: "uint",
  int: "int",
  float: "float",
  value: "value",
};

/** Go's flag.PrintDefaults output for these definitions, sorted by name. */
export function goFlagDefaults(defs: GoFlagDef[]): string {
  const sorted = [...defs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  let out = "";
  for (const d of sorted) {
    let usage = d.usage;
    let typeName = TYPE_NAME[d.kind];
    // UnquoteUsage: a back-quoted word in the usage becomes the type name.
    const m = /`([^`]*)`/.exec(usage);
    if (m) {
      typeName = m[1]!;
      usage = usage.replace(/`([^`]*)`/, "$1");
    }
    let line = `  -${d.name}`;
    if (typeName.length > 0) line += ` ${typeName}`;
    if (line.length <= 4) line += "\t";
    else line += "\n    \t";
    line += usage.replaceAll("\n", "\n    \t");
    if (d.defValue !== ZERO[d.kind] && !(d.kind === "value" && d.defValue === "")) {
      line += d.kind === "string" ? ` (default ${JSON.stringify(d.defValue)})` : ` (default ${d.defValue})`;
    }
    out += line + "\n";
  }
  return out;
}

function parseValue(def: GoFlagDef, text: string): unknown {
  const bad = (why = "parse error"): never => {
    throw new Error(why);
  };
  switch (def.kind) {
    case "bool": {
      const t = ["1", "t", "T", "TRUE", "true", "True"];
      const f = ["0", "f", "F", "FALSE", "false", "False"];
      if (t.includes(text)) return true;
      if (f.includes(text)) return false;
      return bad();
    }
    case "string":
      return text;
    case "uint":
    case "uint64":
    case "uint32": {
      if (!/^(0x[0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.test(text.replaceAll("_", ""))) return bad();
      const v = BigInt(text.replaceAll("_", ""));
      const max = def.kind === "uint32" ? 0xffffffffn : 0xffffffffffffffffn;
      if (v > max) return bad("value out of range");
      return v;
    }
    case "int": {
      if (!/^[+-]?(0x[0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.test(text)) return bad();
      const neg = text.startsWith("-");
      const v = BigInt(text.replace(/^[+-]/, ""));
      return neg ? -v : v;
    }
    case "float": {
      const v = Number(text);
      if (text.trim() === "" || Number.isNaN(v)) return bad();
      return v;
    }
    case "value":
      return def.parse ? def.parse(text) : text;
  }
}

/** Parses argv like Go's flag.CommandLine.Parse with ExitOnError. */
export function parseGoFlags(program: string, defs: GoFlagDef[], args: string[]): GoFlagResult | GoFlagFailure {
  const byName = new Map(defs.map((d) => [d.name, d]));
  const values: GoFlagValues = new Map();
  const set = new Set<string>();
  const usage = () => `Usage of ${program}:\n${goFlagDefaults(defs)}`;
  const fail = (msg: string): GoFlagFailure => ({ ok: false, exitCode: 2, output: `${msg}\n${usage()}` });
  let i = 0;
  while (i < args.length) {
    const s = args[i]!;
    if (s.length < 2 || s[0] !== "-") break;
    let numMinuses = 1;
    if (s[1] === "-") {
      numMinuses = 2;
      if (s.length === 2) {
        i++;
        break; // "--" terminates the flags
      }
    }
    let name = s.slice(numMinuses);
    if (name.length === 0 || name[0] === "-" || name[0] === "=") return fail(`bad flag syntax: ${s}`);
    i++;
    let hasValue = false;
    let value = "";
    const eq = name.indexOf("=");
    if (eq > 0) {
      value = name.slice(eq + 1);
      hasValue = true;
      name = name.slice(0, eq);
    }
    const def = byName.get(name);
    if (!def) {
      if (name === "help" || name === "h") return { ok: false, exitCode: 0, output: usage() };
      return fail(`flag provided but not defined: -${name}`);
    }
    if (def.kind === "bool") {
      if (hasValue) {
        try {
          values.set(name, parseValue(def, value));
        } catch {
          return fail(`invalid boolean value ${JSON.stringify(value)} for -${name}: parse error`);
        }
      } else values.set(name, true);
    } else {
      if (!hasValue && i < args.length) {
        value = args[i]!;
        hasValue = true;
        i++;
      }
      if (!hasValue) return fail(`flag needs an argument: -${name}`);
      try {
        values.set(name, parseValue(def, value));
      } catch (e) {
        return fail(`invalid value ${JSON.stringify(value)} for flag -${name}: ${(e as Error).message}`);
      }
    }
    set.add(name);
  }
  return { ok: true, values, set, rest: args.slice(i) };
}
