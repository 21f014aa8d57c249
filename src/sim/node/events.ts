// AdminService.EventsStream's source: keeps the last 100 events for replay and fans out live ones.
export type NodeEvent = Record<string, unknown>;

export class EventBus {
  private readonly recent: NodeEvent[] = [];
  private readonly subscribers = new Set<(e: NodeEvent) => void>();

  emit(member: string, details: Record<string, unknown>, help: string, failure = false): void {
    const now = Date.now();
    const e: NodeEvent = {
      timestamp: { seconds: String(Math.floor(now / 1000)), nanos: (now % 1000) * 1e6 },
      failure,
      help,
      [member]: details,
    };
    this.recent.push(e);
    if (this.recent.length > 100) this.recent.shift();
    for (const s of this.subscribers) s(e);
  }

  subscribe(fn: (e: NodeEvent) => void): () => void {
    for (const e of this.recent) fn(e);
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }
}
