// On-demand mode in the fleet table: a service the orchestrator holds back reads "queued" (with
// its reason under the table at 80 columns), one stopped between proofs "on demand", one the user
// took "by hand" — never a bare "○ stopped". Always mode (orchestration null) is unchanged.
import { describe, expect, it } from "vitest";
import { render } from "ink-testing-library";
import { loadFixture } from "./fixtures.js";
import { joinFleet } from "../../src/ui/fleet.js";
import { FleetPane, fleetColumns, reasonLine } from "../../src/ui/panes/FleetPane.js";
import { serviceDetail } from "../../src/ui/details.js";
import { orchestrationLabel, serviceRowLabel } from "../../src/presentation/labels.js";
import type { OrchestrationView, ServiceView } from "../../src/protocol/model.js";
import { stripAnsi } from "./render-app.js";
import { deriveView } from "../../src/ui/console-view.js";
import { initialUi } from "../../src/ui/state/ui-state.js";
import { RingBuffer } from "../../src/ring-buffer.js";

const { now, snapshot } = loadFixture();
const text = (segs: { text: string }[]) => segs.map((s) => s.text).join("");
const orch = (state: OrchestrationView["state"], reason: string | null = null): OrchestrationView => ({ state, reason, since: now - 60_000 });

/** post1 proving (running), post2 queued behind it on the same disk, post3 idle, post4 stopped by hand. */
function onDemand(): ServiceView[] {
  const [p1, p2, p3, p4] = snapshot.services as [ServiceView, ServiceView, ServiceView, ServiceView];
  return [
    { ...p1, orchestration: orch("proving", "gap open") },
    { ...p2, state: "stopped", pid: null, operator: { kind: "none" }, orchestration: orch("queued", "disk sdb busy with post1") },
    { ...p3, state: "stopped", pid: null, reason: null, nextRestartAt: null, operator: { kind: "none" }, orchestration: orch("idle") },
    { ...p4, state: "stopped", orchestration: orch("hand", "taken by hand 12:04") },
  ];
}

describe("orchestrator states in the fleet table", () => {
  it("labels a stopped service by what the orchestrator does with it", () => {
    const [p1, p2, p3, p4] = onDemand();
    expect(serviceRowLabel(p1!, now).text).toBe("● running");
    expect(serviceRowLabel(p2!, now)).toEqual({ text: "◷ queued", tone: "warn" });
    expect(serviceRowLabel(p3!, now).text).toBe("◌ on demand");
    expect(serviceRowLabel(p4!, now).text).toBe("○ by hand");
    expect(serviceRowLabel({ ...p4!, state: "running" }, now).text).toBe("● by hand");
    // a failure says so first, whatever the orchestrator meant to do
    expect(serviceRowLabel({ ...p2!, state: "failed" }, now).text).toBe("✖ failed");
    // always mode: the plain state
    expect(serviceRowLabel({ ...p2!, orchestration: null }, now).text).toBe("○ stopped");
    expect(orchestrationLabel(p2!.orchestration)?.text).toBe("queued: disk sdb busy with post1");
    expect(orchestrationLabel(null)).toBeNull();
  });

  it("shows the states in the rows and the queued reason under the table at 80 columns", () => {
    const rows = joinFleet(snapshot.identities, onDemand());
    const service = fleetColumns([], now).find((c) => c.id === "service")!;
    expect(rows.map((r) => service.cell(r).text)).toEqual(["● running", "◷ queued", "◌ on demand", "○ by hand"]);
    expect(text(reasonLine(rows, 1)!)).toBe(" ◷ post2: queued: disk sdb busy with post1");
    const { lastFrame, unmount } = render(
      <FleetPane rows={rows} all={rows} findings={[]} sort={{ key: "name", desc: false }} filter="" selected={1} focused width={80} height={10} now={now} />,
    );
    const frame = stripAnsi(lastFrame() ?? "");
    unmount();
    expect(frame).toContain("◷ queued");
    expect(frame).toContain("◌ on demand");
    expect(frame).toContain("○ by hand");
    expect(frame).not.toContain("○ stopped");
    expect(frame).toContain("post2: queued: disk sdb busy with post1");
    expect(frame).toContain("4 · 1 running · 1 proving · 1 queued");
  });

  it("keeps a row for the queued reason, so the line under the table never hides an identity", () => {
    const rows = joinFleet(snapshot.identities, onDemand());
    for (const [columns, height, selected] of [[80, 24, 1], [100, 30, 1], [100, 30, 0]] as const) {
      const view = deriveView({ ...initialUi, row: rows[selected]!.id }, { fleet: rows, ring: () => new RingBuffer(10), hardware: null, columns, rows: height });
      const pane = view.layout.columns[0]!.panes.find((p) => p.id === "identities")!;
      const { lastFrame, unmount } = render(
        <FleetPane rows={view.rows} all={rows} findings={[]} sort={{ key: "name", desc: false }} filter="" selected={view.rowIndex} focused width={columns} height={pane.height} now={now} />,
      );
      const frame = stripAnsi(lastFrame() ?? "");
      unmount();
      for (const r of rows) expect(frame, `${columns}x${height}`).toContain(r.name);
      expect(frame).not.toMatch(/\d–\d\/4/); // no "1–3/4": every row fits
    }
  });

  it("says it in the service detail", () => {
    const lines = serviceDetail(onDemand()[1]!, now).map(text);
    expect(lines.some((l) => l.includes("orchestrator") && l.includes("queued: disk sdb busy with post1"))).toBe(true);
  });
});
