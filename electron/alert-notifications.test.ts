import { describe, expect, it } from 'vitest';
import type { Alert } from '../sync/status/alerts.js';
import { alertNotificationText } from './alert-notifications.js';

const alert = (status: Alert['status'], previous: Alert['status']): Alert => ({
  check: 'central-database',
  label: 'Central',
  status,
  previous,
  message: 'Central has not answered for 6 min.',
  instanceId: 'op-1',
  at: '2026-12-07T10:00:00.000Z',
});

describe('alertNotificationText', () => {
  it('calls the operator for a check that fails, and for a failure that is over', () => {
    expect(alertNotificationText(alert('fail', 'pass'))).toEqual({
      title: 'Central: needs attention now',
      body: 'Central has not answered for 6 min.',
    });
    expect(alertNotificationText(alert('pass', 'fail'))?.title).toBe('Central: back to normal');
  });

  it('leaves warnings, easing and a passing warning to Activity', () => {
    expect(alertNotificationText(alert('warn', 'pass'))).toBeUndefined();
    expect(alertNotificationText(alert('warn', 'fail'))).toBeUndefined();
    expect(alertNotificationText(alert('pass', 'warn'))).toBeUndefined();
  });
});
