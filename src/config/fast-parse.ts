// A fast reader for the config files people (and scripts) usually write: JSON, or block-style YAML
// of mappings, lists, plain and quoted one-line scalars, one-line flow lists of scalars, and
// comments. It returns exactly what `yaml` (parseDocument(text, { uniqueKeys: true }).toJS(), the
// YAML 1.2 core schema) returns for such a file, or `undefined` as soon as anything is outside that
// subset or could be an error (anchors, tags, multi-line or block scalars, flow mappings, tabs,
// duplicate keys, odd indentation, ...). The caller then takes the full path (load.ts), which parses
// with `yaml` and reports every problem with its line. Cold, `yaml` takes 40-55 ms for a 64-service
// file (its lexer and composer run in V8's interpreter); this takes about a millisecond, and the
// `yaml` chunk is not even loaded (bench/RESULTS.md, section 5).
//
// test/config/fast-parse.test.ts checks it against `yaml` on the README's, the tests' and
// generated configs, and that it declines what it does not handle.

type Value = null | boolean | number | string | Value[] | { [k: string]: Value };

/** Thrown inside the reader to give up; never leaves this module. */
const DECLINE = Symbol("decline");

// Characters allowed anywhere in the text: printable ASCII, newline and the BMP without the C1
// controls, surrogates, the BOM and non-characters, and without any white space but the space and
// the newline (no tab, CR, NBSP, U+2028, ...: JavaScript's trim() then trims what YAML trims).
// Anything else: the full path.
const ODD_CHAR = /[^\n\x20-\x7E\u00A1-\u167F\u1681-\u1FFF\u200B-\u2027\u202A-\u202E\u2030-\u205E\u2060-\u2FFF\u3001-\uD7FF\uE000-\uFEFE\uFF00-\uFFFD]/;

/** The parsed config, or undefined when the full YAML path must decide. */
export function fastParse(text: string): unknown {
  if (ODD_CHAR.test(text)) return undefined;
  try {
    const start = /^\s*/.exec(text)![0].length;
    if (text[start] === "{") return fromJson(text);
    return fromBlockYaml(text);
  } catch (err) {
    if (err === DECLINE) return undefined;
    throw err;
  }
}

function decline(): never {
  throw DECLINE;
}

// ---- JSON (a subset of YAML 1.2): JSON.parse, then what YAML adds: unique keys, one-line keys.

function fromJson(text: string): unknown {
  if (text.includes("__proto__")) decline();
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    decline();
  }
  if (v === null || typeof v !== "object" || Array.isArray(v)) decline();
  checkJsonKeys(text);
  return v;
}

/** Declines on a duplicate key in an object, or a key whose ':' is not on its line. */
function checkJsonKeys(text: string): void {
  const stack: (Set<string> | null)[] = []; // a Set per open object, null per open array
  let prev = ""; // the last structural character seen
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === "{") stack.push(new Set());
    else if (ch === "[") stack.push(null);
    else if (ch === "}" || ch === "]") stack.pop();
    else if (ch === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      const keys = stack[stack.length - 1];
      if (keys && (prev === "{" || prev === ",")) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (keys.has(key)) decline();
        keys.add(key);
        let k = j + 1;
        while (text[k] === " ") k++;
        if (text[k] !== ":") decline();
      }
      i = j;
      prev = '"';
      continue;
    } else if (ch === " " || ch === "\n") continue;
    prev = ch;
  }
}

// ---- Block YAML

interface Line {
  indent: number;
  text: string; // without the indentation and without a trailing comment on a key-only line
}

const NULL_RE = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL_RE = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const INT_RE = /^[-+]?[0-9]+$/;
const OCT_RE = /^0o[0-7]+$/;
const HEX_RE = /^0x[0-9a-fA-F]+$/;
const FLOAT_RE = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;
const EXP_RE = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const NAN_INF_RE = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
/** A plain key: letters, digits and a few safe characters (never a number, bool or null: checked). */
const PLAIN_KEY_RE = /^[A-Za-z0-9_][A-Za-z0-9_.\-/]*(?=:(?: |$))/;

function fromBlockYaml(text: string): unknown {
  const lines: Line[] = [];
  let first = true;
  for (const raw of text.split("\n")) {
    const body = raw.trimStart();
    if (body === "" || body[0] === "#") continue; // blank or comment line
    const indent = raw.length - body.length;
    if (first && body.trimEnd() === "---" && indent === 0) {
      first = false;
      continue;
    }
    first = false;
    if (indent === 0 && (body.startsWith("---") || body.startsWith("...") || body[0] === "%")) decline();
    lines.push({ indent, text: body.trimEnd() });
  }
  if (lines.length === 0 || lines[0]!.indent !== 0) decline();
  const r = new Reader(lines);
  const v = r.block(0, 0);
  if (r.i !== lines.length || v === null || typeof v !== "object" || Array.isArray(v)) decline();
  return v;
}

class Reader {
  i = 0;
  constructor(private readonly lines: Line[]) {}

  /** The node whose first line is lines[i], at exactly `indent`. */
  block(i: number, indent: number): Value {
    this.i = i;
    const l = this.lines[i]!;
    if (l.indent !== indent) decline();
    return isSeqItem(l.text) ? this.seq(indent) : this.map(indent);
  }

  private map(indent: number): Value {
    const out: { [k: string]: Value } = {};
    const seen = new Set<string>();
    while (this.i < this.lines.length) {
      const l = this.lines[this.i]!;
      if (l.indent < indent) break;
      if (l.indent > indent || isSeqItem(l.text)) decline();
      const { key, rest } = splitKey(l.text);
      if (seen.has(key) || key === "__proto__" || key === "<<") decline();
      seen.add(key);
      out[key] = this.valueAfter(rest, indent, true);
    }
    return out;
  }

  private seq(indent: number): Value {
    const out: Value[] = [];
    while (this.i < this.lines.length) {
      const l = this.lines[this.i]!;
      if (l.indent < indent) break;
      if (l.indent > indent || !isSeqItem(l.text)) {
        // a list at its parent key's indentation ends where that mapping goes on
        if (l.indent === indent && !isSeqItem(l.text)) break;
        decline();
      }
      const spaces = /^-( +)/.exec(l.text);
      if (!spaces) decline(); // "-" alone: the item is on the next lines (not handled)
      const content = l.text.slice(1 + spaces[1]!.length);
      if (content[0] === "#") decline();
      const col = indent + 1 + spaces[1]!.length;
      if (isSeqItem(content) || PLAIN_KEY_RE.test(content) || ((content[0] === '"' || content[0] === "'") && isQuotedKey(content))) {
        // "- key: value" / "- - x": a nested node starting on this line, at the content's column
        this.lines[this.i] = { indent: col, text: content };
        out.push(this.block(this.i, col));
      } else {
        out.push(this.valueAfter(content, indent, false));
      }
    }
    return out;
  }

  /**
   * The value after "key:" (rest may be empty) or after "- " (rest is not empty). An empty value
   * after a key is the node on the next lines: more indented, or a list at the key's own indentation.
   */
  private valueAfter(rest: string, indent: number, afterKey: boolean): Value {
    this.i++;
    const next = this.lines[this.i];
    if (rest === "" || rest[0] === "#") {
      if (!afterKey) decline();
      if (next && next.indent > indent) return this.block(this.i, next.indent);
      if (next && next.indent === indent && isSeqItem(next.text)) return this.seq(indent);
      return null;
    }
    if (next && next.indent > indent) decline(); // a multi-line scalar (or bad indentation)
    return inlineValue(rest);
  }
}

function isSeqItem(t: string): boolean {
  return t === "-" || t.startsWith("- ");
}

function isQuotedKey(t: string): boolean {
  const [, end] = quoted(t, 0);
  return t[end] === ":" && (end + 1 === t.length || t[end + 1] === " ");
}

/** "key: rest" → the key and what follows the colon (trimmed). */
function splitKey(t: string): { key: string; rest: string } {
  let key: string;
  let end: number;
  const m = PLAIN_KEY_RE.exec(t);
  if (m) {
    key = m[0];
    end = key.length;
    if (NULL_RE.test(key) || BOOL_RE.test(key) || isNumber(key) || key.length > 1000) decline();
  } else if (t[0] === '"' || t[0] === "'") {
    [key, end] = quoted(t, 0);
    if (t[end] !== ":" || (end + 1 < t.length && t[end + 1] !== " ")) decline();
  } else return decline();
  return { key, rest: t.slice(end + 1).trim() };
}

function isNumber(s: string): boolean {
  return INT_RE.test(s) || OCT_RE.test(s) || HEX_RE.test(s) || FLOAT_RE.test(s) || EXP_RE.test(s) || NAN_INF_RE.test(s);
}

/** A value on one line: quoted, a flow list or mapping, or a plain scalar; a trailing comment. */
function inlineValue(t: string): Value {
  const c = t[0]!;
  if (c === '"' || c === "'") {
    const [v, end] = quoted(t, 0);
    commentOnly(t, end);
    return v;
  }
  if (c === "[" || c === "{") {
    const [v, end] = flow(t, 0);
    commentOnly(t, end);
    return v;
  }
  // indicators that start something else (alias, anchor, tag, block scalar, directive, ...)
  if ("&*!|>%@`?:,]}#".includes(c) || (c === "-" && (t.length === 1 || t[1] === " "))) decline();
  const hash = t.indexOf(" #");
  const s = (hash >= 0 ? t.slice(0, hash) : t).trimEnd();
  if (s.includes(": ") || s.endsWith(":")) decline(); // a mapping where a scalar was expected
  return plain(s);
}

/** Only spaces, then optionally a comment, from `from` on. */
function commentOnly(t: string, from: number): void {
  let k = from;
  while (t[k] === " ") k++;
  if (k < t.length && !(t[k] === "#" && k > from)) decline();
}

/**
 * A flow collection closed on this line, starting at t[from] ('[' or '{'): `[0, 1]`,
 * `["--flag", value]`, `{ post: "127.0.0.1:9094" }`, `{}`. Entries are quoted scalars, plain
 * scalars without ':' or '#', or nested flow collections; mapping keys are plain words or quoted.
 * [its value, the index after it].
 */
function flow(t: string, from: number): [Value, number] {
  const isMap = t[from] === "{";
  const close = isMap ? "}" : "]";
  const list: Value[] = [];
  const map: { [k: string]: Value } = {};
  let k = from + 1;
  const skip = () => {
    while (t[k] === " ") k++;
  };
  const entry = (): Value => {
    const c = t[k];
    if (c === '"' || c === "'") {
      const [v, end] = quoted(t, k);
      k = end;
      return v;
    }
    if (c === "[" || c === "{") {
      const [v, end] = flow(t, k);
      k = end;
      return v;
    }
    const m = /^[^,[\]{}#:"'\s][^,[\]{}#:]*/.exec(t.slice(k));
    if (!m) return decline();
    const s = m[0].trimEnd();
    if ("&*!|>%@`?-".includes(s[0]!) && !(s[0] === "-" && s.length > 1 && s[1] !== " ")) decline();
    k += m[0].length;
    return plain(s);
  };
  skip();
  if (t[k] === close) return [isMap ? map : list, k + 1];
  for (;;) {
    skip();
    if (isMap) {
      let key: string;
      const m = PLAIN_KEY_RE.exec(t.slice(k));
      if (m) {
        key = m[0];
        if (NULL_RE.test(key) || BOOL_RE.test(key) || isNumber(key)) decline();
        k += key.length;
      } else if (t[k] === '"' || t[k] === "'") {
        [key, k] = quoted(t, k);
        if (t[k] !== ":" || t[k + 1] !== " ") decline();
      } else return decline();
      if (key in map || key === "__proto__" || key === "<<") decline();
      k += 1; // the ':'
      skip();
      if (t[k] === "," || t[k] === close || t[k] === undefined) decline(); // an empty value
      map[key] = entry();
    } else list.push(entry());
    skip();
    if (t[k] === ",") {
      k++;
      skip();
      if (t[k] === close) decline(); // a trailing comma
      continue;
    }
    if (t[k] !== close) decline();
    return [isMap ? map : list, k + 1];
  }
}

/** A plain scalar by the YAML 1.2 core schema, as `yaml` resolves it. */
function plain(s: string): Value {
  if (NULL_RE.test(s)) return null;
  if (BOOL_RE.test(s)) return s[0] === "t" || s[0] === "T";
  if (OCT_RE.test(s)) return parseInt(s.substring(2), 8);
  if (INT_RE.test(s)) return parseInt(s, 10);
  if (HEX_RE.test(s)) return parseInt(s.substring(2), 16);
  if (NAN_INF_RE.test(s)) decline();
  if (EXP_RE.test(s) || FLOAT_RE.test(s)) return parseFloat(s);
  return s;
}

const ESCAPES: Record<string, string> = { "\\": "\\", '"': '"', "/": "/", n: "\n", t: "\t", r: "\r", b: "\b", f: "\f", "0": "\0" };

/** A quoted scalar starting at t[from] and closed on this line: [its value, the index after it]. */
function quoted(t: string, from: number): [string, number] {
  const q = t[from]!;
  let out = "";
  let k = from + 1;
  for (;;) {
    const c = t[k];
    if (c === undefined) return decline(); // not closed on this line
    if (c === q) {
      if (q === "'" && t[k + 1] === "'") {
        out += "'";
        k += 2;
        continue;
      }
      return [out, k + 1];
    }
    if (q === '"' && c === "\\") {
      const e = t[k + 1]!;
      if (e === "u") {
        const hex = t.slice(k + 2, k + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) decline();
        out += String.fromCharCode(parseInt(hex, 16));
        k += 6;
        continue;
      }
      const r = ESCAPES[e];
      if (r === undefined) decline();
      out += r;
      k += 2;
      continue;
    }
    out += c;
    k++;
  }
}
