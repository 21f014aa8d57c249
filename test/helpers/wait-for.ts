// Poll for a condition instead of sleeping fixed times: the one wait helper of the tests.

/** What a truthy check returned: `x && x.pid` gives the pid's type, not `false | …`. */
export type Truthy<T> = Exclude<T, false | null | undefined | 0 | "" | 0n>;

export async function waitFor<T>(
  check: () => T | Promise<T>,
  o: { timeoutMs?: number; intervalMs?: number; what?: string; /** appended to the timeout's message */ detail?: () => string } = {},
): Promise<Truthy<T>> {
  const deadline = Date.now() + (o.timeoutMs ?? 20_000);
  let last: unknown;
  for (;;) {
    try {
      // a check that never settles (a call to a hung daemon) ends at the deadline like a false one
      const v = await within(Math.max(0, deadline - Date.now()), `a check of ${o.what ?? "a condition"}`, Promise.resolve().then(check));
      if (v) return v as Truthy<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const detail = o.detail ? `; ${o.detail()}` : "";
      throw new Error(`timed out waiting for ${o.what ?? "a condition"}${last ? ` (last error: ${(last as Error).message})` : ""}${detail}`);
    }
    await new Promise((r) => setTimeout(r, o.intervalMs ?? 50));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * `p`, or an error naming `what` once `ms` have passed without it settling (and `detail()`, e.g. a
 * daemon's last log lines): a step that hangs fails with its own name instead of the test's timeout.
 */
export async function within<T>(ms: number, what: string, p: Promise<T>, detail?: () => string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms${detail ? `; ${detail()}` : ""}`)), ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}
