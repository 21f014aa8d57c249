// The alerts section of postdeck.yaml: defaults, and problems named by file, line and path.
import { describe, expect, it } from "vitest";
import { parseConfigText } from "../../../src/config/load.js";
import { ConfigError } from "../../../src/config/config-error.js";

const base = "node:\n  dataFolder: /data\n";

function problems(text: string): string[] {
  try {
    parseConfigText(text, "/etc/postdeck.yaml");
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

describe("alerts config", () => {
  it("resolves sinks with their defaults; no section means no alerts", () => {
    const c = parseConfigText(`${base}alerts:\n  sinks:\n    - name: phone\n      webhook: https://ntfy.sh/x\n      template: "{{text}}"\n`, "/etc/postdeck.yaml");
    expect(c.alerts).toEqual({ repeatMinutes: 240, delayS: 30, sinks: [{ name: "phone", webhook: "https://ntfy.sh/x", template: "{{text}}", minSeverity: "warning", timeoutS: 10 }] });
    expect(parseConfigText(base, "/etc/postdeck.yaml").alerts).toBeUndefined();
  });

  it("names what is wrong: both command and webhook, a bad time, an unknown time zone", () => {
    const p = problems(
      `${base}alerts:\n  quietHours: {from: "25:00", to: "07:00", timeZone: "Mars/Olympus"}\n  sinks:\n    - name: x\n      command: [notify]\n      webhook: https://example.org\n`,
    ).join("\n");
    expect(p).toContain("alerts.quietHours.from");
    expect(p).toContain("alerts.quietHours.timeZone");
    expect(p).toContain("expected exactly one of command or webhook");
  });

  it("refuses a webhook on a port Node's fetch refuses (X11's 6000), naming file, line, sink and port", () => {
    const p = problems(`${base}alerts:\n  sinks:\n    - name: phone\n      webhook: http://10.0.0.5:6000/hook?token=s3cret\n`);
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(/^\/etc\/postdeck\.yaml:6: alerts\.sinks\[0\]\.webhook: found "http:\/\/10\.0\.0\.5:6000\/hook\?token=s3cret"; expected a port fetch connects to: /);
    expect(p[0]).toContain("sink phone could never send; Node's fetch refuses port 6000");
    expect(p[0]).toContain("give the receiver another port");
    expect(problems(`${base}alerts:\n  sinks:\n    - name: phone\n      webhook: http://10.0.0.5:6001/hook\n`)).toEqual([]);
  });
});
