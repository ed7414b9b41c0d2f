/**
 * Backups made by themselves: one every `backup.intervalMs` into `<dataDir>/backups`, the newest
 * `backup.keep` kept. The next is due an interval after the newest backup there, whoever made
 * it, so a computer switched off at night makes its backup soon after it starts (after
 * `firstDelayMs`, once the till is up) rather than an interval later. A failed backup is tried
 * again after `retryMs`. Settings are read on every look, so a change applies within
 * `checkEveryMs`.
 */
import type { BackupHealth } from '../status/health.js';
import type { Logger } from '../logging/logger.js';
import { toOutpostError } from '../errors.js';
import { formatDuration } from '../status/format.js';
import { sleep } from '../util/backoff.js';
import type { BackupService } from './service.js';

const RETRY_MS = 15 * 60_000;

export interface BackupSettings {
  intervalMs: number;
  keep: number;
  gzip: boolean;
}

export interface BackupScheduleOptions {
  service: BackupService;
  settings: () => BackupSettings;
  logger: Logger;
  /** Sync log entries (Activity): a failed scheduled backup. */
  record?:
    ((entry: { event: string; level: 'warn'; message: string }) => Promise<void>) | undefined;
  checkEveryMs?: number;
  firstDelayMs?: number;
  retryMs?: number;
  now?: () => number;
}

export class BackupSchedule {
  private readonly control = new AbortController();
  private loop: Promise<void> | undefined;
  private readonly since: number;
  private lastAt: number | null = null;
  private lastError: { at: number; message: string } | null = null;
  private readonly now: () => number;

  constructor(private readonly options: BackupScheduleOptions) {
    this.now = options.now ?? Date.now;
    this.since = this.now();
  }

  start(): void {
    this.loop ??= this.run();
  }

  /**
   * Ends the schedule. A backup in progress is not waited for beyond `graceMs`: a stop must not
   * take minutes; what it leaves (`*.partial`) is removed after the next backup.
   */
  async stop(graceMs = 2_000): Promise<void> {
    this.control.abort();
    if (this.loop) await Promise.race([this.loop, sleep(graceMs)]);
  }

  /** For the health check. */
  health(): BackupHealth {
    return {
      intervalMs: this.options.settings().intervalMs,
      lastAt: this.lastAt === null ? null : new Date(this.lastAt).toISOString(),
      lastError:
        this.lastError && (this.lastAt === null || this.lastError.at > this.lastAt)
          ? { at: new Date(this.lastError.at).toISOString(), message: this.lastError.message }
          : null,
      since: new Date(this.since).toISOString(),
    };
  }

  private async run(): Promise<void> {
    const log = this.options.logger.child({ component: 'backup' });
    const checkEveryMs = this.options.checkEveryMs ?? 60_000;
    const firstDelayMs = this.options.firstDelayMs ?? 60_000;
    const retryMs = this.options.retryMs ?? RETRY_MS;
    const { signal } = this.control;
    await this.refresh(log);
    await sleep(Math.min(firstDelayMs, checkEveryMs), signal);
    while (!signal.aborted) {
      // Backups made by hand count too.
      await this.refresh(log);
      const settings = this.options.settings();
      const now = this.now();
      const due =
        settings.intervalMs > 0 &&
        now - this.since >= firstDelayMs &&
        (this.lastAt === null || now - this.lastAt >= settings.intervalMs) &&
        (this.lastError === null || now - this.lastError.at >= retryMs);
      if (due) await this.backUp(settings, log);
      await sleep(checkEveryMs, signal);
    }
  }

  private async backUp(settings: BackupSettings, log: Logger): Promise<void> {
    // A backup or restore someone started by hand is running: this one waits for the next look.
    if (this.options.service.busy()) return;
    try {
      const report = await this.options.service.backup({ gzip: settings.gzip });
      this.lastAt = Date.parse(report.at);
      this.lastError = null;
      log.info({ event: 'backup.scheduled', dir: report.dir, documents: report.documents });
      const removed = await this.options.service.prune(settings.keep);
      if (removed.length > 0) log.info({ event: 'backup.pruned', removed, keep: settings.keep });
    } catch (error) {
      const failure = toOutpostError(error);
      this.lastError = { at: this.now(), message: failure.message };
      log.warn({ event: 'backup.scheduled-failed', error }, 'The scheduled backup failed.');
      await this.options
        .record?.({
          event: 'backup.failed',
          level: 'warn',
          message: `The scheduled backup failed: ${failure.message} It is tried again in ${formatDuration(this.options.retryMs ?? RETRY_MS)}.`,
        })
        .catch((cause: unknown) => log.debug({ event: 'backup.record-failed', error: cause }));
    }
  }

  /** The newest backup's time, from the backups directory. */
  private async refresh(log: Logger): Promise<void> {
    try {
      const [newest] = await this.options.service.list();
      if (newest) this.lastAt = Math.max(this.lastAt ?? 0, Date.parse(newest.at));
    } catch (error) {
      log.warn({ event: 'backup.list-failed', error });
    }
  }
}
