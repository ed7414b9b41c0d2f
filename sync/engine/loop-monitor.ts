import { toOutpostError } from '../errors.js';
import { LOOP_RESTART_HISTORY, type LoopLiveness } from '../status/engine-state.js';

/** Liveness of the engine's supervised loops: when each last (re)started, and its failures. */
export class LoopMonitor {
  private readonly loops = new Map<string, LoopLiveness>();

  constructor(private readonly now: () => number = Date.now) {}

  /** The loop body is starting: first run, restart after a failure, or another iteration. */
  started(name: string): void {
    const at = new Date(this.now()).toISOString();
    const loop = this.loops.get(name);
    if (loop) loop.startedAt = at;
    else this.loops.set(name, { startedAt: at, restarts: 0, recentRestarts: [] });
  }

  /** The loop body failed: the supervisor restarts it after a backoff. */
  failed(name: string, error: unknown, retryable: boolean): void {
    const loop = this.loops.get(name);
    if (!loop) return;
    loop.restarts += 1;
    loop.recentRestarts.push({ at: new Date(this.now()).toISOString(), retryable });
    if (loop.recentRestarts.length > LOOP_RESTART_HISTORY) loop.recentRestarts.shift();
    loop.lastError = toOutpostError(error).toPayload();
  }

  clear(): void {
    this.loops.clear();
  }

  /** A copy, safe to hand out and serialise. */
  snapshot(): Record<string, LoopLiveness> {
    return Object.fromEntries(
      [...this.loops].map(([name, loop]) => [
        name,
        { ...loop, recentRestarts: [...loop.recentRestarts] },
      ]),
    );
  }
}
