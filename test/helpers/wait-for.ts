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
      const v = await check();
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
