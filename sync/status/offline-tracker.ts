import type { EngineState } from './engine-state.js';

/**
 * Remembers when the current central outage began. The engine reports `offline` once per outage
 * (with `since`), then may pass through `paused` or `connecting` while central is still down; the
 * outage only ends when the engine syncs again (`syncing` or `idle`), so the "unreachable for
 * N minutes" health check does not restart its clock on a pause and resume.
 */
export class OfflineTracker {
  private outage: { since: string; reason: string } | null = null;

  observe(state: EngineState): void {
    if (state.name === 'offline') {
      // The same outage may come to be said better (a server too old, found on a reconnect).
      this.outage = { since: this.outage?.since ?? state.since, reason: state.reason };
    } else if (state.name === 'syncing' || state.name === 'idle' || state.name === 'stopped') {
      this.outage = null;
    }
  }

  get current(): { since: string; reason: string } | null {
    return this.outage;
  }
}
