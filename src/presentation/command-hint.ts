// A command line to suggest to the user that runs from where they are: `postdeck …` when postdeck
// is installed (run by its name), `node bin/postdeck.js …` when it runs from a clone, so a hint
// printed by the CLI or the console can be pasted as is.
import path from "node:path";

export interface HintContext {
  argv1?: string; // the script node runs (process.argv[1])
  cwd?: string;
}

/** The program part: `postdeck`, or `node <path to bin/postdeck.js relative to cwd>`. */
export function commandPrefix(ctx: HintContext = {}): string {
  const script = ctx.argv1 ?? process.argv[1] ?? "";
  if (path.basename(script) !== "postdeck.js") return "postdeck";
  const rel = path.relative(ctx.cwd ?? process.cwd(), script);
  const shown = rel && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel : script;
  return `node ${shown.includes(" ") ? JSON.stringify(shown) : shown}`;
}

/** `postdeck daemon start` or `node bin/postdeck.js daemon start`. */
export function commandHint(args: string, ctx: HintContext = {}): string {
  return `${commandPrefix(ctx)} ${args}`.trimEnd();
}
