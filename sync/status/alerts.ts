/**
 * Alerts: the health checks watched over time, and a change of one of them announced once, when
 * it happens, rather than found by someone who looks. A check that turns warn or fail raises an
 * alert; one that passes again clears it. The first look after a start announces only what fails
 * (a warning there, such as local-only mode, is how the site was set up, not news).
 *
 * Each alert goes to the sync log (Activity), to the desktop app (a notification) through `on`,
 * and, when `alerts.webhookUrl` is set, as a JSON POST to it (chat, paging, a monitoring system):
 * the thresholds the seeds asked alerts for (queue over 1,000, failures over 5%, central down for
 * 5 minutes, lag) are the health thresholds.
 */
import { hostname } from 'node:os';
import type { Logger } from '../logging/logger.js';
import { sleep } from '../util/backoff.js';
import type { HealthCheckName, HealthReport, HealthStatus } from './health.js';

export interface Alert {
  check: HealthCheckName;
  /** The check's name in words ("Central", "Changes waiting"). */
  label: string;
  /** The check's status now: `pass` clears an alert. */
  status: HealthStatus;
  previous: HealthStatus;
  /** The check's sentence: what was found and what to do. */
  message: string;
  instanceId: string;
  at: string;
}

export interface AlertSettings {
  /** Where each alert is POSTed as JSON; none: the log and the app only. */
  webhookUrl?: string | undefined;
  /** How often the checks are looked at. */
  intervalMs: number;
}

export interface HealthAlertsOptions {
  health(): Promise<HealthReport>;
  /** Read at each look, so that a settings change applies at once. */
  settings(): AlertSettings;
  /** Writes the alert to the sync log; a failure there is logged, not thrown. */
  record?(alert: Alert): Promise<void>;
  logger: Logger;
  /** For tests: the webhook's tries and the wait between them. */
  webhookTries?: number;
  webhookRetryMs?: number;
}

const SEVERITY: Record<HealthStatus, number> = { pass: 0, warn: 1, fail: 2 };

/**
 * The alerts between two looks, and the checks whose warning was never announced. `previous`
 * undefined is the first look: only failing checks are announced, and the ones warning then are
 * `quiet`: passing later is no news, failing later is. A check missing from `previous` passed.
 */
export function alertsBetween(
  previous: ReadonlyMap<HealthCheckName, HealthStatus> | undefined,
  report: HealthReport,
  quiet: ReadonlySet<HealthCheckName> = new Set(),
): { alerts: Alert[]; quiet: Set<HealthCheckName> } {
  const stillQuiet = new Set(quiet);
  const alerts = report.checks.flatMap((check): Alert[] => {
    if (!previous) {
      if (check.status === 'warn') stillQuiet.add(check.name);
      if (check.status !== 'fail') return [];
    }
    const before = previous ? (previous.get(check.name) ?? 'pass') : 'pass';
    if (previous && check.status === before) return [];
    if (stillQuiet.delete(check.name) && check.status === 'pass') return [];
    return [
      {
        check: check.name,
        label: check.label,
        status: check.status,
        previous: before,
        message: check.message,
        instanceId: report.instanceId,
        at: report.checkedAt,
      },
    ];
  });
  return { alerts, quiet: stillQuiet };
}

/** "raised" (worse), "eased" (better, still not passing) or "cleared" (passing again). */
export function alertKind(alert: Alert): 'raised' | 'eased' | 'cleared' {
  if (alert.status === 'pass') return 'cleared';
  return SEVERITY[alert.status] > SEVERITY[alert.previous] ? 'raised' : 'eased';
}

/** The log level an alert is recorded at: a failure is an error, a warning a warning. */
export function alertLevel(alert: Alert): 'error' | 'warn' | 'info' {
  return alert.status === 'fail' ? 'error' : alert.status === 'warn' ? 'warn' : 'info';
}

export class HealthAlerts {
  private readonly listeners = new Set<(alert: Alert) => void>();
  private last: Map<HealthCheckName, HealthStatus> | undefined;
  private quiet = new Set<HealthCheckName>();
  private control: AbortController | undefined;
  private loop: Promise<void> | undefined;
  /** The webhook deliveries, in order. */
  private outgoing: Promise<void> = Promise.resolve();
  private readonly log: Logger;

  constructor(private readonly options: HealthAlertsOptions) {
    this.log = options.logger.child({ component: 'alerts' });
  }

  on(listener: (alert: Alert) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): void {
    if (this.control) return;
    const control = (this.control = new AbortController());
    this.loop = (async () => {
      while (!control.signal.aborted) {
        await this.look().catch((error: unknown) =>
          this.log.debug({ event: 'alerts.look-failed', error }),
        );
        await sleep(this.options.settings().intervalMs, control.signal);
      }
    })();
  }

  /** Ends the watch, and waits for webhook deliveries under way. */
  async stop(): Promise<void> {
    this.control?.abort();
    this.control = undefined;
    await this.loop;
    await this.outgoing;
  }

  /** One look at the checks: announces what changed since the last one. */
  async look(): Promise<Alert[]> {
    const report = await this.options.health();
    const { alerts, quiet } = alertsBetween(this.last, report, this.quiet);
    this.quiet = quiet;
    this.last = new Map(report.checks.map((check) => [check.name, check.status]));
    for (const alert of alerts) await this.announce(alert);
    return alerts;
  }

  private async announce(alert: Alert): Promise<void> {
    this.log[alertLevel(alert)]({ event: `alert.${alertKind(alert)}`, ...alert });
    await this.options
      .record?.(alert)
      .catch((error: unknown) => this.log.debug({ event: 'alerts.record-failed', error }));
    for (const listener of this.listeners) listener(alert);
    const url = this.options.settings().webhookUrl;
    // Not awaited by the watch (a slow receiver must not hold the next look), and one after the
    // other, so that a receiver never hears a clear before the alert it clears.
    if (url) this.outgoing = this.outgoing.then(() => this.deliver(url, alert));
  }

  private async deliver(url: string, alert: Alert): Promise<void> {
    const tries = this.options.webhookTries ?? 3;
    const body = { ...alert, kind: alertKind(alert) };
    for (let attempt = 1; attempt <= tries; attempt++) {
      try {
        await postAlert(url, body);
        return;
      } catch (error) {
        const last = attempt === tries;
        this.log[last ? 'warn' : 'debug']({
          event: last ? 'alerts.webhook-failed' : 'alerts.webhook-retry',
          // The URL may carry a token: only its host is logged.
          webhook: safeHost(url),
          attempt,
          error,
        });
        if (last) return;
        await sleep((this.options.webhookRetryMs ?? 2_000) * attempt);
      }
    }
  }
}

/** One POST of an alert's JSON (with this machine's name); throws unless the receiver took it. */
export async function postAlert(url: string, body: Record<string, unknown>): Promise<void> {
  const reply = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...body, hostname: hostname() }),
    signal: AbortSignal.timeout(10_000),
  });
  if (!reply.ok) throw new Error(`HTTP ${reply.status} ${reply.statusText}`.trim());
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'the webhook';
  }
}
