/**
 * Notices a config file edited by hand. The file's directory is watched, not the file: editors
 * and Outpost's own saves replace the file by renaming a new one over it, which a watch on the old
 * file would not see. Bursts of events (an editor's temporary file, the rename, a backup) become
 * one call, `quietMs` after the last.
 */
import { existsSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../logging/logger.js';

export interface WatchConfigFileOptions {
  file: string;
  /** Called once the file has stopped changing; never twice at once. */
  onChange: () => Promise<void>;
  logger: Logger;
  /** Default 300 ms. */
  quietMs?: number;
}

/** Starts watching; returns the function that stops. Without the file's directory, no watch. */
export function watchConfigFile(options: WatchConfigFileOptions): () => void {
  const log = options.logger.child({ component: 'config' });
  const file = path.resolve(options.file);
  const dir = path.dirname(file);
  const name = path.basename(file);
  const quietMs = options.quietMs ?? 300;
  if (!existsSync(dir)) {
    log.debug({ event: 'config.watch-skipped', dir }, 'No directory to watch for the config file.');
    return () => undefined;
  }
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;

  const run = (): void => {
    timer = undefined;
    if (stopped) return;
    if (running) {
      // A change during a reload: read once more when this one is done.
      again = true;
      return;
    }
    running = options
      .onChange()
      .catch((error: unknown) => log.error({ event: 'config.watch-handler-failed', error }))
      .finally(() => {
        running = undefined;
        if (again && !stopped) {
          again = false;
          run();
        }
      });
  };

  let watcher: FSWatcher;
  try {
    watcher = watch(dir, { persistent: false }, (_event, changed) => {
      if (stopped || (changed !== null && changed.toString() !== name)) return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(run, quietMs);
    });
  } catch (error) {
    log.warn(
      { event: 'config.watch-failed', dir, error },
      'Edits to the config file will need "outpost config reload" or a restart.',
    );
    return () => undefined;
  }
  watcher.on('error', (error) => {
    log.warn(
      { event: 'config.watch-failed', dir, error },
      'Edits to the config file will need "outpost config reload" or a restart.',
    );
    watcher.close();
  });
  log.debug({ event: 'config.watching', file });
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    watcher.close();
  };
}
