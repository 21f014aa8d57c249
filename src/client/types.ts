// What the console and CLI need from a daemon connection. src/client implements it over the
// Unix socket; UI tests implement it in memory.
import type { RouteKey, RouteRequest, RouteResponse, EventType, EventPayload } from "../protocol/api.js";

export type DaemonEvent = { [T in EventType]: { type: T; data: EventPayload<T> } }[EventType];

export type ConnectionState =
  | { kind: "connecting" }
  | { kind: "connected" }
  | { kind: "disconnected"; error: string; retryAt: number | null };

export interface SubscribeOptions {
  /** Only these event types (the daemon filters them: `?types=`); the first snapshot and `bye` always come. */
  types?: readonly EventType[];
  /** CPU/RSS and hardware samples are taken no faster than this for this client (`?sampleMs=`; default: every 2 s). */
  sampleMs?: number;
}

export interface DaemonClient {
  /** One request/response call; rejects with an Error whose message is for people. */
  call<K extends RouteKey>(route: K, body: RouteRequest<K>): Promise<RouteResponse<K>>;
  /** Follow the event stream (reconnecting); returns an unsubscribe function. */
  subscribe(onEvent: (e: DaemonEvent) => void, onState?: (s: ConnectionState) => void, o?: SubscribeOptions): () => void;
  close(): void;
}
