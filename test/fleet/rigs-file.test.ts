// The rigs list: what a smesher writes, and the problems named as the config's are (file:line: field).
import { describe, expect, it } from "vitest";
import path from "node:path";
import { writeFileSync } from "node:fs";
import { ConfigError } from "../../src/config/config-error.js";
import { findRig, loadRigs, parseRigsText, rigsFilePath } from "../../src/fleet/rigs-file.js";
import { tempDir, cleanupTempDirs } from "../helpers/temp-dir.js";
import { afterAll } from "vitest";

afterAll(() => cleanupTempDirs());

function problems(text: string): string[] {
  try {
    parseRigsText(text, "/x/rigs.yaml", "/home/sm");
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).exitCode).toBe(2);
    return (err as ConfigError).problems;
  }
  throw new Error("no problem reported");
}

describe("rigs file", () => {
  it("reads ssh rigs (options, remote config, read-only) and local rigs (paths relative to the file, ~ expanded)", () => {
    const rigs = parseRigsText(
      [
        "- name: rig-a",
        "  ssh: sm@10.0.0.5",
        "  config: /home/sm/postdeck.yaml",
        "  sshOptions: [-p, '2222']",
        "  readOnly: true",
        "- name: here",
        "  config: ./local/postdeck.yaml",
        "- name: home",
        "  config: ~/rig/postdeck.yaml",
        "  command: [node, /opt/postdeck/bin/postdeck.js]",
      ].join("\n"),
      "/etc/pd/rigs.yaml",
      "/home/sm",
    );
    expect(rigs).toEqual([
      { kind: "ssh", name: "rig-a", host: "sm@10.0.0.5", config: "/home/sm/postdeck.yaml", sshOptions: ["-p", "2222"], command: ["postdeck"], readOnly: true },
      { kind: "local", name: "here", config: "/etc/pd/local/postdeck.yaml", command: ["postdeck"], readOnly: false },
      { kind: "local", name: "home", config: "/home/sm/rig/postdeck.yaml", command: ["node", "/opt/postdeck/bin/postdeck.js"], readOnly: false },
    ]);
  });

  it("names file, line and field for every problem", () => {
    const p = problems(["- name: a", "  ssh: sm@a", "- name: b", "  sshOptions: -p 22", "  readonly: true", "- name: a", "  config: x.yaml"].join("\n"));
    expect(p).toContain('/x/rigs.yaml:4: [1].sshOptions: found "-p 22"; expected a list');
    expect(p.some((l) => l.startsWith('/x/rigs.yaml:5: [1].readonly: unknown key "readonly"; expected one of name, ssh, config, sshOptions, command, readOnly'))).toBe(true);
  });

  it("a rig with neither ssh nor config, a duplicate name and ssh options on a local rig are problems with their lines", () => {
    const p = problems(["- name: a", "  ssh: sm@a", "- name: a", "  config: x.yaml", "  sshOptions: [-p, '22']", "- name: c", "  readOnly: true"].join("\n"));
    expect(p).toEqual([
      '/x/rigs.yaml:3: [1].name: found "a", the same name as [0]; expected a unique name per rig',
      "/x/rigs.yaml:5: [1].sshOptions: found ssh options on a local rig; expected them only with ssh: user@host",
      "/x/rigs.yaml:6: [2]: found neither ssh nor config; expected ssh: user@host (a rig over OpenSSH) or config: FILE (a rig on this machine)",
    ]);
  });

  it("YAML syntax errors and a file that is not a list say where and what is expected", () => {
    expect(problems("- name: a\n  ssh: [unclosed\n")[0]).toMatch(/^\/x\/rigs\.yaml:\d+: YAML syntax error at line \d+, column \d+: .*; expected valid YAML$/);
    expect(problems("name: a\nssh: sm@a\n")).toEqual([
      "/x/rigs.yaml: (top level): found a mapping; expected a list of rigs (- name: rig-a, with ssh: user@host or config: FILE)",
    ]);
  });

  it("lives in $XDG_CONFIG_HOME/postdeck/rigs.yaml, ~/.config without it, or where --rigs says", () => {
    expect(rigsFilePath(null, { XDG_CONFIG_HOME: "/xdg" }, "/home/sm")).toBe("/xdg/postdeck/rigs.yaml");
    expect(rigsFilePath(null, {}, "/home/sm")).toBe("/home/sm/.config/postdeck/rigs.yaml");
    expect(rigsFilePath("~/r.yaml", {}, "/home/sm")).toBe("/home/sm/r.yaml");
  });

  it("a missing file and an unknown rig name say what to do (exit 2)", () => {
    const d = tempDir("pd-rigs-");
    const file = path.join(d, "rigs.yaml");
    expect(() => loadRigs(file)).toThrow(/cannot read the rigs file \(ENOENT\); expected a YAML list/);
    writeFileSync(file, "- name: a\n  ssh: sm@a\n");
    const rigs = loadRigs(file);
    expect(() => findRig(rigs, "b", file)).toThrow(`${file}: no rig named "b"; expected one of a`);
  });
});
