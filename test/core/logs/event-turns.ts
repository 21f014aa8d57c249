// For tests with fake timers and real inotify events: event-loop turns until a condition holds.

/** Turns (setImmediate: not faked) until `until`, and one more: what a read's caller does after it. */
export async function turns(until: () => boolean): Promise<boolean> {
  const tick = () => new Promise((r) => setImmediate(r));
  for (let i = 0; i < 20_000 && !until(); i++) await tick();
  await tick();
  return until();
}
