// Every command's options go through one parser (util.parseArgs underneath): what it accepts, and
// the usage errors (exit 2) for what it does not, in the words the commands have always used.
import { describe, expect, it } from "vitest";
import { parseArgs } from "../../src/cli/cli-context.js";
import { UsageError } from "../../src/cli/errors.js";

const usage = "usage: postdeck logs [SOURCE] [-n N] [-f]";
const o = { flags: ["-f", "--follow", "--json"], valued: ["-n", "--lines", "--dir"], usage };

function refusal(args: string[]): string {
  try {
    parseArgs(args, o);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error(`accepted ${args.join(" ")}`);
}

describe("command options", () => {
  it("splits words, flags as given and valued options in every accepted form", () => {
    const p = parseArgs(["post1", "-f", "-n", "20", "--dir=/a b", "--lines=5", "-", "--config", "/etc/pd.yaml", "--debug", "--json"], o);
    expect(p.words).toEqual(["post1", "-"]);
    expect([...p.flags]).toEqual(["-f", "--debug", "--json"]);
    expect(Object.fromEntries(p.values)).toEqual({ "-n": "20", "--dir": "/a b", "--lines": "5" });
    expect(p.config).toBe("/etc/pd.yaml");
    expect(parseArgs(["-n=7"], o).values.get("-n")).toBe("7");
    expect(parseArgs(["--dir", "-odd"], o).values.get("--dir")).toBe("-odd"); // the next word is the value, whatever it looks like
    expect(parseArgs(["--dir="], o).values.get("--dir")).toBe("");
  });

  it("refuses what it does not know, with the usage", () => {
    expect(refusal(["--nope"])).toBe(`unknown option --nope\n${usage}`);
    expect(refusal(["--nope=1"])).toBe(`unknown option --nope=1\n${usage}`);
    expect(refusal(["--json=1"])).toBe(`unknown option --json=1\n${usage}`);
    expect(refusal(["-fn", "3"])).toBe(`unknown option -fn\n${usage}`);
    expect(refusal(["-n20"])).toBe(`unknown option -n20\n${usage}`);
    expect(refusal(["--f"])).toBe(`unknown option --f\n${usage}`);
    expect(refusal(["-5"])).toBe(`unknown option -5\n${usage}`);
    expect(refusal(["--", "x"])).toBe(`unknown option --\n${usage}`);
    expect(refusal(["post1", "-n"])).toBe(`-n needs a value\n${usage}`);
  });
});
