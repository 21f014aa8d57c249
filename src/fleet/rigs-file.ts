// The rigs list: `~/.config/postdeck/rigs.yaml` ($XDG_CONFIG_HOME honoured, or `--rigs FILE`), one
// entry per rig — reached over OpenSSH (`ssh: user@host`) or on this machine (`config: FILE`).
// Problems are reported as the config's are (src/config/load.ts): one line each with file, line
// and field, exit 2.
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import * as z from "zod";
import { LineCounter, parseDocument, isSeq } from "yaml";
import { ConfigError, describeValue, formatPath } from "../config/config-error.js";
import { expandHome } from "../config/config-path.js";
import { locate, yamlSyntaxProblems, zodIssueLine } from "../config/load.js";

const RIG_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export const RigEntrySchema = z
  .object({
    name: z.string().regex(RIG_NAME, "a name of letters, digits, '.', '_' or '-'"),
    ssh: z.string().min(1).optional(), // user@host or a Host of ~/.ssh/config
    config: z.string().min(1).optional(), // the rig's postdeck.yaml: on that host (ssh) or here (local)
    sshOptions: z.array(z.string()).default([]), // passed to ssh before the host, e.g. ["-p", "2222"]
    command: z.array(z.string().min(1)).min(1).default(["postdeck"]), // postdeck on that host
    readOnly: z.boolean().default(false),
  })
  .strict();

export const RigsFileSchema = z.array(RigEntrySchema);

export interface SshRig {
  kind: "ssh";
  name: string;
  host: string;
  config: string | null; // on the rig's host; null: postdeck's own lookup there
  sshOptions: string[];
  command: string[];
  readOnly: boolean;
}
export interface LocalRig {
  kind: "local";
  name: string;
  config: string; // absolute
  command: string[];
  readOnly: boolean;
}
export type Rig = SshRig | LocalRig;

/** `--rigs FILE`, else $XDG_CONFIG_HOME/postdeck/rigs.yaml, else ~/.config/postdeck/rigs.yaml. */
export function rigsFilePath(flag: string | null, env: NodeJS.ProcessEnv = process.env, home: string = os.homedir()): string {
  if (flag) return path.resolve(expandHome(flag, home));
  return path.join(env.XDG_CONFIG_HOME || path.join(home, ".config"), "postdeck", "rigs.yaml");
}

function keysHint(p: PropertyKey[]): string {
  return p.length <= 1 ? "one of name, ssh, config, sshOptions, command, readOnly" : "no such key (see README: Several rigs)";
}

/** Parses and checks a rigs file's text; throws ConfigError (exit 2) listing every problem. */
export function parseRigsText(text: string, file: string, home: string = os.homedir()): Rig[] {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) throw new ConfigError(file, yamlSyntaxProblems(doc, file));
  const raw: unknown = doc.toJS();
  if (!isSeq(doc.contents)) {
    throw new ConfigError(file, [`${file}: (top level): found ${describeValue(raw)}; expected a list of rigs (- name: rig-a, with ssh: user@host or config: FILE)`]);
  }
  const loc = locate(doc, lc);
  const where = (p: ReadonlyArray<PropertyKey>) => {
    const line = loc.line(p);
    return `${file}${line ? `:${line}` : ""}: ${formatPath(p)}`;
  };
  const parsed = RigsFileSchema.safeParse(raw, { jitless: true });
  if (!parsed.success) {
    throw new ConfigError(file, parsed.error.issues.flatMap((i) => zodIssueLine(i, raw, where, keysHint).split("\n")));
  }
  const problems: string[] = [];
  const seen = new Map<string, number>();
  const rigs: Rig[] = [];
  parsed.data.forEach((e, i) => {
    const j = seen.get(e.name);
    if (j !== undefined) problems.push(`${where([i, "name"])}: found ${JSON.stringify(e.name)}, the same name as [${j}]; expected a unique name per rig`);
    seen.set(e.name, i);
    if (e.ssh !== undefined) {
      if (e.ssh.startsWith("-")) problems.push(`${where([i, "ssh"])}: found ${describeValue(e.ssh)}; expected user@host or a host name (ssh options go in sshOptions)`);
      rigs.push({ kind: "ssh", name: e.name, host: e.ssh, config: e.config ?? null, sshOptions: e.sshOptions, command: e.command, readOnly: e.readOnly });
    } else if (e.config !== undefined) {
      if (e.sshOptions.length > 0) problems.push(`${where([i, "sshOptions"])}: found ssh options on a local rig; expected them only with ssh: user@host`);
      rigs.push({ kind: "local", name: e.name, config: path.resolve(path.dirname(file), expandHome(e.config, home)), command: e.command, readOnly: e.readOnly });
    } else {
      problems.push(`${where([i])}: found neither ssh nor config; expected ssh: user@host (a rig over OpenSSH) or config: FILE (a rig on this machine)`);
    }
  });
  if (problems.length > 0) throw new ConfigError(file, problems);
  return rigs;
}

/** Reads the rigs file; a missing or unreadable file is a ConfigError that says what to write. */
export function loadRigs(file: string): Rig[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new ConfigError(file, [
      `${file}: cannot read the rigs file (${code}); expected a YAML list such as "- name: rig-a\\n  ssh: user@host" (or pass --rigs FILE)`,
    ]);
  }
  return parseRigsText(text, file);
}

/** The rig named `name`; a UsageError-like ConfigError naming the known ones otherwise. */
export function findRig(rigs: Rig[], name: string, file: string): Rig {
  const r = rigs.find((x) => x.name === name);
  if (!r) throw new ConfigError(file, [`${file}: no rig named ${JSON.stringify(name)}; expected one of ${rigs.map((x) => x.name).join(", ") || "(the file lists no rig)"}`]);
  return r;
}
