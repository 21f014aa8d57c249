// A key press is drawn before the console reads anything else: the console's own state (selection,
// focus, overlay) renders in the microtask after the key's handler, not on the scheduler's next turn
// of the event loop, where a flood of daemon events read meanwhile would come first.
import { Text } from "ink";
import { render } from "ink-testing-library";
import { describe, expect, it } from "vitest";
import { useUiState, type UiStore } from "../../src/ui/hooks/useUiState.js";

function Harness({ out }: { out: { ui?: UiStore } }) {
  const ui = useUiState();
  out.ui = ui;
  return <Text>focus={ui.ui.focus}</Text>;
}

describe("useUiState", () => {
  it("draws an update before the next turn of the event loop (no I/O callback runs first)", async () => {
    const out: { ui?: UiStore } = {};
    const app = render(<Harness out={out} />);
    await new Promise((r) => setImmediate(r));
    const before = app.lastFrame();
    const next = out.ui!.ref.current.focus === "logs" ? "identities" : "logs";
    let immediateRan = false;
    setImmediate(() => (immediateRan = true)); // stands for the daemon's next batch of events
    out.ui!.update((u) => ({ ...u, focus: next })); // as a key handler does, outside any React event
    await Promise.resolve();
    await Promise.resolve();
    expect(immediateRan).toBe(false);
    expect(app.lastFrame()).not.toBe(before);
    expect(app.lastFrame()).toBe(`focus=${next}`);
    app.unmount();
  });

});
