// The closing message: services that keep running in always mode; in on-demand mode (services
// stop between proofs) that the daemon keeps proving on demand, never "0 services keep running".
import { describe, expect, it } from "vitest";
import { loadFixture } from "./fixtures.js";
import { closingMessage, quitSummary } from "../../src/ui/quit-summary.js";
import type { ServiceView } from "../../src/protocol/model.js";

const { snapshot } = loadFixture();

describe("closing message", () => {
  it("always mode: counts the services that keep running", () => {
    const s = quitSummary(snapshot.services, 4000, snapshot.identities);
    expect(s).toEqual({ running: 3, daemonPid: 4000 });
    expect(closingMessage(s)).toBe("postdeck: console closed; 3 services keep running under the daemon (pid 4000). Reattach with `postdeck`.");
  });

  it("on-demand mode between proofs: the daemon keeps proving on demand for its identities", () => {
    const idle: ServiceView[] = snapshot.services.map((s) => ({ ...s, state: "stopped", orchestration: { state: "idle", reason: null, since: null } }));
    const s = quitSummary(idle, 4000, snapshot.identities);
    expect(s).toEqual({ running: 0, daemonPid: 4000, onDemand: { identities: 4 } });
    const text = closingMessage(s, "node bin/postdeck.js");
    expect(text).not.toMatch(/0 services/);
    expect(text).toBe(
      "postdeck: console closed; the daemon (pid 4000) keeps proving on demand for 4 identities, starting each post-service when its proof is due. Reattach with `node bin/postdeck.js`.",
    );
    const one = closingMessage({ ...s, running: 1 });
    expect(one).toContain("for 4 identities, starting each post-service when its proof is due; 1 service runs now.");
  });
});
