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

describe("options that are not a command's own, taken out wherever they stand", () => {
  it("--config FILE or --config=FILE; the rest as it was, in order", async () => {
    const { takeConfigFlag } = await import("../../src/cli/take-options.js");
    expect(takeConfigFlag(["logs", "-n", "20", "--config", "/etc/pd.yaml", "post1"])).toEqual({ config: "/etc/pd.yaml", rest: ["logs", "-n", "20", "post1"] });
    expect(takeConfigFlag(["--config=/a b.yaml", "status"])).toEqual({ config: "/a b.yaml", rest: ["status"] });
    expect(takeConfigFlag(["status", "--config"])).toEqual({ config: null, rest: ["status"] });
    expect(takeConfigFlag(["status", "--config", "a.yaml", "--config=b.yaml"]).config).toBe("b.yaml"); // the last one
    expect(takeConfigFlag(["status"])).toEqual({ config: null, rest: ["status"] });
    expect(takeConfigFlag(["logs", "--", "--config", "x"])).toEqual({ config: null, rest: ["logs", "--", "--config", "x"] }); // after --: the command's
  });

  it("--rig NAME, --rigs FILE, --read-only; a missing value is a usage error; --read-only=1 is left for the command to refuse", async () => {
    const { takeRigFlags } = await import("../../src/cli/fleet.js");
    expect(takeRigFlags(["--rig", "far", "status", "--json", "--read-only", "--rigs=/r.yaml"])).toEqual({ rig: "far", rigs: "/r.yaml", readOnly: true, rest: ["status", "--json"] });
    expect(takeRigFlags(["status", "--rig=a"])).toEqual({ rig: "a", rigs: null, readOnly: false, rest: ["status"] });
    expect(takeRigFlags(["--rig=a", "--read-only=1"]).rest).toEqual(["--read-only=1"]);
    for (const bad of [["status", "--rig"], ["--rig=", "status"], ["--rig", "a", "--rigs"]]) {
      expect(() => takeRigFlags(bad)).toThrow(UsageError);
      expect(() => takeRigFlags(bad)).toThrow(/^--rigs? needs a value\n/);
    }
  });
});

describe("the command word of a postdeck command line", () => {
  it("is the first argument that is neither an option nor --config's or --rigs' value", async () => {
    const { commandIndex } = await import("../../src/cli/take-options.js");
    expect(commandIndex(["status", "--json"])).toBe(0);
    expect(commandIndex(["--config", "/etc/pd.yaml", "logs", "post1"])).toBe(2);
    expect(commandIndex(["--config=/etc/pd.yaml", "--debug", "doctor"])).toBe(2);
    expect(commandIndex(["--rigs", "r.yaml", "fleet"])).toBe(2);
    expect(commandIndex(["--debug"])).toBe(-1); // none: the console
    expect(commandIndex([])).toBe(-1);
  });
});

describe("the global flags --debug and --help", () => {
  it("are whole arguments anywhere before `--`, never an option's value or inside a group", async () => {
    const { globalFlags } = await import("../../src/cli/take-options.js");
    expect(globalFlags(["status", "--debug"])).toEqual({ debug: true, help: false });
    expect(globalFlags(["--debug", "logs", "post1", "-n", "5", "--help"])).toEqual({ debug: true, help: true });
    expect(globalFlags(["logs", "-h"])).toEqual({ debug: false, help: true });
    expect(globalFlags(["status"])).toEqual({ debug: false, help: false });
    expect(globalFlags(["--config", "--debug", "status"])).toEqual({ debug: false, help: false }); // a (strange) file name
    expect(globalFlags(["--help=1", "-xh", "--debug=yes"])).toEqual({ debug: false, help: false });
    expect(globalFlags(["sim", "node", "--", "--help"])).toEqual({ debug: false, help: false });
  });
});
