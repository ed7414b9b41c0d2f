/**
 * One running Outpost per user, and a quit that waits: `before-quit` is held (preventDefault)
 * until the engine has stopped and mongod has shut down cleanly, once, then the app exits. A
 * mongod killed with the app would recover on the next start, but only after an unclean-shutdown
 * recovery; a clean stop costs a second or two.
 */
import type { App, PowerMonitor } from 'electron';
import type { Logger } from '../sync/logging/logger.js';

/**
 * Takes the single-instance lock. A second launch gets false (and should quit at once); the
 * first is told through `onSecondInstance` (bring the window forward).
 */
export function claimSingleInstance(
  app: Pick<App, 'requestSingleInstanceLock' | 'on'>,
  onSecondInstance: () => void,
): boolean {
  if (!app.requestSingleInstanceLock()) return false;
  app.on('second-instance', () => onSecondInstance());
  return true;
}

export interface QuitOptions {
  app: Pick<App, 'on' | 'exit'>;
  /** Stops the engine, then mongod (startOutpost's `stop`), and whatever else the shell holds. */
  shutdown(): Promise<void>;
  logger: Logger;
  /** Exit anyway after this long: a stop that hangs must not leave an unkillable tray icon. */
  timeoutMs?: number;
  /** The exit code when the shutdown itself succeeds (1 after a failed start). Defaults to 0. */
  exitCode?: () => number;
}

export interface QuitControl {
  /** True from the first quit request on (the window then really closes). */
  isQuitting(): boolean;
  /** Runs the shutdown once and exits; every call returns the same promise. */
  shutdown(): Promise<void>;
}

export const QUIT_TIMEOUT_MS = 60_000;

export function handleQuit(options: QuitOptions): QuitControl {
  const log = options.logger.child({ component: 'lifecycle' });
  let quitting = false;
  let running: Promise<void> | undefined;

  const shutdown = () =>
    (running ??= (async () => {
      quitting = true;
      log.info({ event: 'app.quitting' });
      let code = options.exitCode?.() ?? 0;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), options.timeoutMs ?? QUIT_TIMEOUT_MS);
      });
      try {
        const outcome = await Promise.race([options.shutdown(), timeout]);
        if (outcome === 'timeout') {
          code = 1;
          log.error({ event: 'app.shutdown-timeout', timeoutMs: options.timeoutMs });
        }
      } catch (error) {
        code = 1;
        log.error({ event: 'app.shutdown-failed', error });
      } finally {
        clearTimeout(timer);
      }
      log.info({ event: 'app.exiting', code });
      // exit, not quit: quit would emit before-quit again. Nothing is left to wait for.
      options.app.exit(code);
    })());

  options.app.on('before-quit', (event) => {
    quitting = true;
    event.preventDefault();
    void shutdown();
  });

  return { isQuitting: () => quitting, shutdown };
}

/**
 * The OS is going down: delay it (Linux, macOS: powerMonitor `shutdown`) and quit cleanly.
 * SIGTERM and SIGINT (a service manager, Ctrl-C in a terminal) quit the same way.
 */
export function quitOnSystemShutdown(host: {
  app: Pick<App, 'quit'>;
  powerMonitor: Pick<PowerMonitor, 'on'>;
  process: Pick<NodeJS.Process, 'on'>;
  logger: Logger;
}): void {
  // The typings omit the event, but Electron passes one: preventDefault delays the shutdown.
  // https://www.electronjs.org/docs/latest/api/power-monitor#event-shutdown-linux-macos
  host.powerMonitor.on('shutdown', (event?: { preventDefault(): void }) => {
    host.logger.info({ event: 'app.system-shutdown' });
    event?.preventDefault();
    host.app.quit();
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    host.process.on(signal, () => {
      host.logger.info({ event: 'app.signal', signal });
      host.app.quit();
    });
  }
}
