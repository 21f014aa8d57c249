// Tests that share what they set up (a daemon started once) and so run one after the other, while
// the file's other tests run beside them.
import { describe } from "vitest";

/** A group whose tests run in turn, in a file of concurrent tests (`describe.concurrent` blocks): beside those. */
export function describeInTurn(name: string, body: () => void): void {
  // a sequential suite is also run in turn with its siblings; wrapped in a concurrent one of its own, it runs beside them
  describe.concurrent(name, () => {
    describe.sequential("in turn", body);
  });
}
