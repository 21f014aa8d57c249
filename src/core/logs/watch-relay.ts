// One wake per write for a log file that both a follower (follower.ts) and the size guard
// (size-guard.ts) watch. Each had its own inotify watch on it: libuv shares the kernel's watch, but
// every write of a service's burst still ran two callbacks into JS, and the guard's then took the
// file's size (fstat) that the follower's read had just found. While a follower holds a watch on a
// file it relays each of its events here, after its own handling, with the file's size when that
// event's read reached the end of the file (the offset then is the size then); a guard whose file is
// relayed takes that instead of an inotify watch of its own, and that size instead of an fstat.
// When the follower's watch goes (it stops, a chatty writer turns it off until its paced read, a
// rotation), each subscriber is told at once and watches the file itself again (and looks at its
// size: a write meanwhile brought no event to anyone). One follower per file relays (the first).

/** A subscription: closed like an FSWatcher. */
export interface RelayedWatch {
  close(): void;
}

/** An event of the follower's watch; size: the file's size when its read reached the end, else null. */
export type RelayedEvent = (event: string, size: number | null) => void;

interface Subscriber {
  onEvent: RelayedEvent;
  onEnd: () => void;
}

interface Relay {
  owner: object;
  subs: Set<Subscriber>;
}

const relays = new Map<string, Relay>();

/** `owner` (a follower) watches `file` from now on: its events are relayed, unless another's are. */
export function relayStart(file: string, owner: object): void {
  if (!relays.has(file)) relays.set(file, { owner, subs: new Set() });
}

/** One event of the owner's watch on `file`, after the owner handled it. */
export function relayEvent(file: string, owner: object, event: string, size: number | null): void {
  const r = relays.get(file);
  if (r?.owner !== owner) return;
  for (const s of [...r.subs]) if (r.subs.has(s)) s.onEvent(event, size);
}

/** The owner's watch on `file` is off: every subscriber is told (and is no longer subscribed). */
export function relayEnd(file: string, owner: object): void {
  const r = relays.get(file);
  if (r?.owner !== owner) return;
  relays.delete(file);
  const subs = [...r.subs];
  r.subs.clear();
  for (const s of subs) s.onEnd();
}

/** The relayed events of `file` until closed or until the owner's watch ends (onEnd); null: none relayed now. */
export function relayWatch(file: string, onEvent: RelayedEvent, onEnd: () => void): RelayedWatch | null {
  const r = relays.get(file);
  if (!r) return null;
  const s: Subscriber = { onEvent, onEnd };
  r.subs.add(s);
  return { close: () => void r.subs.delete(s) };
}

/** Whether a follower's events on `file` are relayed now (tests). */
export function relayed(file: string): boolean {
  return relays.has(file);
}
