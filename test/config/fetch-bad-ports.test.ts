// postdeck's list of the ports Node's fetch refuses is Node's own: every listed port fails with
// "bad port" before any connection, and the port after each (when not listed) does not.
import { describe, expect, it } from "vitest";
import { FETCH_BAD_PORTS, fetchRefusedPort } from "../../src/config/fetch-bad-ports.js";

async function causeOf(port: number): Promise<string> {
  try {
    await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2000) });
    return "answered";
  } catch (err) {
    const cause = (err as { cause?: { message?: string; code?: string } }).cause;
    return cause?.message === "bad port" ? "bad port" : (cause?.code ?? "other");
  }
}

describe("ports Node's fetch refuses", () => {
  it("are exactly the listed ones (each listed port and the one after it)", async () => {
    const ports = [...FETCH_BAD_PORTS].flatMap((p) => (FETCH_BAD_PORTS.has(p + 1) ? [p] : [p, p + 1]));
    const got = await Promise.all(ports.map(async (p) => [p, (await causeOf(p)) === "bad port"] as const));
    expect(got.filter(([p, bad]) => bad !== FETCH_BAD_PORTS.has(p))).toEqual([]);
  });

  it("are read from a webhook URL", () => {
    expect(fetchRefusedPort("http://10.0.0.5:6000/hook")).toBe(6000);
    expect(fetchRefusedPort("https://ntfy.sh:10080/x")).toBe(10080);
    expect(fetchRefusedPort("http://10.0.0.5:6001/hook")).toBeNull();
    expect(fetchRefusedPort("https://ntfy.sh/x")).toBeNull(); // the scheme's default port
    expect(fetchRefusedPort("not a url")).toBeNull();
  });
});
