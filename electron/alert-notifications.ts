/**
 * The desktop notification for a health alert (sync/status/alerts.ts): a check that fails, and the
 * end of that failure. Warnings (a pause, a short outage, a queue growing) stay in Activity and
 * the webhook, so the operator is not called away from the till for them.
 */
import { alertKind, type Alert } from '../sync/status/alerts.js';
import type { NotificationText } from './conflict-notifier.js';

export function alertNotificationText(alert: Alert): NotificationText | undefined {
  const kind = alertKind(alert);
  const what = alert.label;
  if (kind === 'raised' && alert.status === 'fail')
    return { title: `${what}: needs attention now`, body: alert.message };
  if (kind === 'cleared' && alert.previous === 'fail')
    return { title: `${what}: back to normal`, body: alert.message };
  return undefined;
}
