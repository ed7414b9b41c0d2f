/**
 * Keeps the tray current: reads `sync:get-status` when the engine changes state or opens a
 * conflict, and every `intervalMs` in between (pending counts and the offline duration move
 * without a state change). One read at a time; a request during a read runs once after it.
 */
import type { SyncEngine } from '../sync/engine/create-engine.js';
import type { StatusView } from '../sync/api/views.js';
import type { Logger } from '../sync/logging/logger.js';
import type { TrayStatus } from './tray.js';

export interface StatusFeedOptions {
  getStatus(): Promise<StatusView>;
  engine: Pick<SyncEngine, 'onStateChange' | 'onConflictOpened'> | undefined;
  onStatus(status: TrayStatus): void;
  intervalMs: number;
  logger: Logger;
}

export interface StatusFeed {
  /** Reads the status now (after a tray action, for example). */
  refresh(): Promise<void>;
  stop(): void;
}

export function watchStatus(options: StatusFeedOptions): StatusFeed {
  let stopped = false;
  let inFlight: Promise<void> | undefined;
  let again = false;

  async function read(): Promise<void> {
    do {
      again = false;
      try {
        const status = await options.getStatus();
        if (stopped) return;
        options.onStatus({
          state: status.state,
          outboxDepth: status.outboxDepth,
          openConflicts: status.openConflicts,
          offlineSince: status.offlineSince,
        });
      } catch (error) {
        options.logger.debug({ event: 'tray.status-failed', error });
      }
    } while (again && !stopped);
  }

  function refresh(): Promise<void> {
    if (stopped) return Promise.resolve();
    if (inFlight) {
      again = true;
      return inFlight;
    }
    inFlight = read().finally(() => (inFlight = undefined));
    return inFlight;
  }

  const unsubscribe = [
    options.engine?.onStateChange(() => void refresh()),
    options.engine?.onConflictOpened(() => void refresh()),
  ];
  const timer = setInterval(() => void refresh(), options.intervalMs);
  timer.unref();
  void refresh();

  return {
    refresh,
    stop() {
      stopped = true;
      clearInterval(timer);
      for (const off of unsubscribe) off?.();
    },
  };
}
