// A key press is drawn before the console reads anything else: the console's own state (selection,
// focus, overlay) renders in the microtask after the key's handler, not on the scheduler's next turn
// of the event loop, where a flood of daemon events read meanwhile would come first.
import { Text } from "ink";
import { render } from "ink-testing-library";
import { describe, expect, it, vi } from "vitest";
import { useUiState, type UiStore } from "../../src/ui/hooks/useUiState.js";
import { KeypressProvider, useKeypress, useLastKeyAt } from "../../src/ui/input/keypress.js";

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

describe("useLastKeyAt", () => {
  function Keys({ out }: { out: { lastKeyAt?: () => number; keys: string[] } }) {
    out.lastKeyAt = useLastKeyAt();
    useKeypress((k) => void out.keys.push(k.name));
    return <Text>keys</Text>;
  }

  it("says when the last key came (from the console's start until the first), what the live figures' pace at rest goes by", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: 1_764_150_000_000 });
    try {
      const out: { lastKeyAt?: () => number; keys: string[] } = { keys: [] };
      const app = render(
        <KeypressProvider>
          <Keys out={out} />
        </KeypressProvider>,
      );
      await new Promise((r) => setImmediate(r));
      expect(out.lastKeyAt!()).toBe(1_764_150_000_000);
      vi.setSystemTime(1_764_150_090_000);
      app.stdin.write("j");
      await new Promise((r) => setImmediate(r));
      expect(out.keys).toEqual(["j"]);
      expect(out.lastKeyAt!()).toBe(1_764_150_090_000);
      app.unmount();
    } finally {
      vi.useRealTimers();
    }
    // outside the provider (the Fleet view's tests, a harness) there is no rest: nothing to go by
    const none: { lastKeyAt?: () => number; keys: string[] } = { keys: [] };
    render(<Keys out={none} />).unmount();
    expect(none.lastKeyAt).toBeUndefined();
  });
});
