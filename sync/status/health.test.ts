import { describe, expect, it } from 'vitest';
import {
  DEFAULT_HEALTH_THRESHOLDS,
  evaluateHealth,
  type HealthCheckName,
  type HealthInputs,
  type HealthReport,
} from './health.js';
import { OfflineTracker } from './offline-tracker.js';
import { centralFailure } from '../engine/central-error.js';

const NOW = Date.parse('2030-01-01T12:00:00.000Z');
const GiB = 1024 ** 3;

function inputs(patch: Partial<HealthInputs> = {}): HealthInputs {
  return {
    instanceId: 'site-a',
    now: NOW,
    state: { name: 'idle', since: '2030-01-01T11:00:00.000Z' },
    databases: 1,
    outboxDepth: 0,
    oldestUnsyncedAgeMs: null,
    lastPullLagMs: 120,
    openConflicts: 0,
    quarantined: 0,
    clockSkewMs: 15,
    centralRoundTripMs: 4,
    offline: null,
    failureRate: 0,
    local: { ok: true, message: 'mongod is running.' },
    disk: { path: '/data', freeBytes: 50 * GiB, totalBytes: 100 * GiB },
    duplicateInstance: null,
    loops: { push: { startedAt: '2030-01-01T11:00:00.000Z', restarts: 0, recentRestarts: [] } },
    ...patch,
  };
}

const check = (report: HealthReport, name: HealthCheckName) => {
  const found = report.checks.find((c) => c.name === name);
  if (!found) throw new Error(`no ${name} check`);
  return found;
};

describe('evaluateHealth', () => {
  it('passes every check of a healthy, idle site', () => {
    const report = evaluateHealth(inputs());
    expect(report.status).toBe('pass');
    expect(report.checks.map((c) => c.status)).toEqual(report.checks.map(() => 'pass'));
    expect(report.checks).toHaveLength(12);
    expect(report.checkedAt).toBe('2030-01-01T12:00:00.000Z');
  });

  it('warns on a queue over the threshold, not at it', () => {
    const at = evaluateHealth(inputs({ outboxDepth: 1_000 }));
    expect(check(at, 'queue-size').status).toBe('pass');
    const over = evaluateHealth(inputs({ outboxDepth: 1_001 }));
    expect(check(over, 'queue-size')).toMatchObject({
      status: 'warn',
      value: 1_001,
      threshold: 1_000,
    });
    expect(over.status).toBe('warn');
    const custom = evaluateHealth(inputs({ outboxDepth: 6 }), {
      ...DEFAULT_HEALTH_THRESHOLDS,
      queueWarn: 5,
    });
    expect(check(custom, 'queue-size').status).toBe('warn');
  });

  it('warns on a failure rate over 5%, and passes without activity', () => {
    expect(check(evaluateHealth(inputs({ failureRate: 0.05 })), 'failure-rate').status).toBe(
      'pass',
    );
    const over = check(evaluateHealth(inputs({ failureRate: 0.2 })), 'failure-rate');
    expect(over.status).toBe('warn');
    expect(over.message).toContain('20%');
    expect(check(evaluateHealth(inputs({ failureRate: null })), 'failure-rate').status).toBe(
      'pass',
    );
  });

  it('warns while central is down, and fails once it has been down past the threshold', () => {
    const reason = 'connect ECONNREFUSED 127.0.0.1:27017';
    const offline = (ago: number) =>
      inputs({
        state: { name: 'offline', since: new Date(NOW - ago).toISOString(), reason },
        offline: { since: new Date(NOW - ago).toISOString(), reason },
      });
    const early = evaluateHealth(offline(60_000));
    expect(check(early, 'central-database').status).toBe('warn');
    expect(check(early, 'central-database').message).toContain('1 min');
    expect(early.status).toBe('warn');
    const late = evaluateHealth(offline(5 * 60_000 + 1));
    expect(check(late, 'central-database')).toMatchObject({ status: 'fail', threshold: 300_000 });
    expect(check(late, 'central-database').message).toContain(reason);
    expect(late.status).toBe('fail');
  });

  it('fails at once for a central too old for the driver, which no wait mends', () => {
    const reason = centralFailure(
      new Error(
        'Server at 10.0.0.5:27017 reports maximum wire version 7, but this version of the ' +
          'Node.js Driver requires at least 9 (MongoDB 4.4)',
      ),
    );
    const report = evaluateHealth(
      inputs({
        state: { name: 'offline', since: new Date(NOW - 10_000).toISOString(), reason },
        offline: { since: new Date(NOW - 10_000).toISOString(), reason },
      }),
    );
    expect(check(report, 'central-database')).toMatchObject({
      status: 'fail',
      message:
        'Central runs MongoDB 4.0, and Outpost needs MongoDB 4.4 or later (every Atlas cluster ' +
        'is): upgrade it, or set central.uri to one that is. Nothing is sent or received until ' +
        'then; local work continues and is queued.',
    });
    expect(report.status).toBe('fail');
  });

  it('takes a better reason for the same outage, and keeps its start', () => {
    const tracker = new OfflineTracker();
    const since = new Date(NOW - 30_000).toISOString();
    tracker.observe({ name: 'offline', since, reason: 'Topology is closed' });
    tracker.observe({
      name: 'offline',
      since: new Date(NOW).toISOString(),
      reason: 'Central runs',
    });
    expect(tracker.current).toEqual({ since, reason: 'Central runs' });
  });

  it('keeps counting an outage through a pause (the tracker keeps its start)', () => {
    const tracker = new OfflineTracker();
    const since = new Date(NOW - 400_000).toISOString();
    tracker.observe({ name: 'offline', since, reason: 'down' });
    tracker.observe({ name: 'paused', since: new Date(NOW - 100_000).toISOString() });
    tracker.observe({ name: 'connecting', since: new Date(NOW - 50_000).toISOString() });
    tracker.observe({ name: 'offline', since: new Date(NOW - 10_000).toISOString(), reason: 'x' });
    // The start is the first offline's; the reason, the latest's.
    expect(tracker.current).toEqual({ since, reason: 'x' });
    const report = evaluateHealth(
      inputs({ state: { name: 'connecting', since }, offline: tracker.current }),
    );
    expect(check(report, 'central-database').status).toBe('fail');
    tracker.observe({ name: 'syncing', since: new Date(NOW).toISOString() });
    expect(tracker.current).toBeNull();
  });

  it('reports a paused engine as a warning of sync-enabled and a stopped one as failed', () => {
    const paused = evaluateHealth(
      inputs({ state: { name: 'paused', since: '2030-01-01T11:59:00.000Z' } }),
    );
    expect(check(paused, 'sync-enabled').status).toBe('warn');
    expect(check(paused, 'worker').status).toBe('pass');
    expect(paused.status).toBe('warn');
    const stopped = evaluateHealth(
      inputs({ state: { name: 'stopped', since: '2030-01-01T11:59:00.000Z' } }),
    );
    expect(check(stopped, 'sync-enabled').status).toBe('fail');
    expect(check(stopped, 'worker').status).toBe('fail');
  });

  it('fails the worker of an engine in error, naming the error', () => {
    const report = evaluateHealth(
      inputs({
        state: {
          name: 'error',
          since: '2030-01-01T11:59:00.000Z',
          error: { code: 'INTERNAL', message: 'The outbox index is missing.' },
        },
      }),
    );
    expect(check(report, 'worker')).toMatchObject({ status: 'fail' });
    expect(check(report, 'worker').message).toContain('The outbox index is missing.');
  });

  it('fails the worker when one loop restarted more than 5 times in the last minute', () => {
    const restarts = (agoMs: number[], retryable = false) =>
      agoMs.map((ago) => ({ at: new Date(NOW - ago).toISOString(), retryable }));
    const loops = (recent: ReturnType<typeof restarts>): HealthInputs['loops'] => ({
      heartbeat: { startedAt: '2030-01-01T11:00:00.000Z', restarts: 0, recentRestarts: [] },
      'pull:pos': {
        startedAt: new Date(NOW - 1_000).toISOString(),
        restarts: recent.length,
        recentRestarts: recent,
        lastError: { code: 'INTERNAL', message: 'Cannot apply change to pos.sales.' },
      },
    });
    const worker = (recent: ReturnType<typeof restarts>) =>
      check(evaluateHealth(inputs({ loops: loops(recent) })), 'worker');

    expect(worker(restarts([1_000, 2_000, 3_000, 4_000, 5_000])).status).toBe('pass');
    const crashing = evaluateHealth(
      inputs({ loops: loops(restarts([1_000, 2_000, 3_000, 4_000, 5_000, 6_000])) }),
    );
    expect(check(crashing, 'worker')).toMatchObject({ status: 'fail', value: 6, threshold: 5 });
    expect(check(crashing, 'worker').message).toContain('pull:pos loop restarted 6 times');
    expect(check(crashing, 'worker').message).toContain('Cannot apply change to pos.sales.');
    expect(crashing.status).toBe('fail');
    // Older than the window: no longer counted.
    expect(worker(restarts([1_000, 2_000, 3_000, 4_000, 5_000, 61_000])).status).toBe('pass');
    // Retrying through a central outage is the engine's job, graded by central-database.
    expect(worker(restarts([1_000, 2_000, 3_000, 4_000, 5_000, 6_000], true)).status).toBe('pass');
    const strict = evaluateHealth(inputs({ loops: loops(restarts([1_000, 2_000])) }), {
      ...DEFAULT_HEALTH_THRESHOLDS,
      loopRestartsFail: 1,
    });
    expect(check(strict, 'worker').status).toBe('fail');
  });

  it('fails the local database check when mongod is down', () => {
    const report = evaluateHealth(
      inputs({ local: { ok: false, message: 'mongod is restarting' } }),
    );
    expect(check(report, 'local-database')).toMatchObject({
      status: 'fail',
      message: 'mongod is restarting',
    });
    expect(report.status).toBe('fail');
  });

  it('warns about a local database that takes connections without a password', () => {
    const report = evaluateHealth(
      inputs({
        local: { ok: true, warning: true, message: 'mongod is running, without a password' },
      }),
    );
    expect(check(report, 'local-database')).toMatchObject({
      status: 'warn',
      message: 'mongod is running, without a password',
    });
    expect(report.status).toBe('warn');
  });

  it('warns on sync lag, open conflicts and quarantine', () => {
    const report = evaluateHealth(
      inputs({ oldestUnsyncedAgeMs: 301_000, openConflicts: 2, quarantined: 1 }),
    );
    expect(check(report, 'sync-lag')).toMatchObject({ status: 'warn', value: 301_000 });
    expect(check(report, 'conflicts').message).toContain('2 open conflicts');
    expect(check(report, 'quarantine').status).toBe('warn');
  });

  it('grades clock skew and disk space in two steps', () => {
    expect(check(evaluateHealth(inputs({ clockSkewMs: -6_000 })), 'clock-skew')).toMatchObject({
      status: 'warn',
    });
    expect(check(evaluateHealth(inputs({ clockSkewMs: 130_000 })), 'clock-skew').status).toBe(
      'fail',
    );
    expect(check(evaluateHealth(inputs({ clockSkewMs: null })), 'clock-skew').status).toBe('pass');
    const disk = (freeBytes: number) =>
      check(
        evaluateHealth(inputs({ disk: { path: '/data', freeBytes, totalBytes: 100 * GiB } })),
        'disk-space',
      );
    expect(disk(0.5 * GiB).status).toBe('warn');
    expect(disk(100 * 1024 ** 2).status).toBe('fail');
    expect(disk(100 * 1024 ** 2).message).toContain('100.0 MiB free');
    expect(
      check(evaluateHealth(inputs({ disk: { path: '/x', error: 'EACCES' } })), 'disk-space').status,
    ).toBe('warn');
  });

  it('fails on a duplicate instance ID, naming the other host', () => {
    const report = evaluateHealth(
      inputs({
        duplicateInstance: { otherHostname: 'till-2', seenAt: '2030-01-01T11:59:59.000Z' },
      }),
    );
    expect(check(report, 'instance-id')).toMatchObject({ status: 'fail' });
    expect(check(report, 'instance-id').message).toContain('till-2');
  });

  it('reports local-only mode (no engine) as a warning naming the reason, not a failure', () => {
    const reason =
      'No central connection string is configured: local-only mode, nothing is synced.';
    const report = evaluateHealth(
      inputs({
        state: { name: 'local-only', since: '2030-01-01T11:00:00.000Z', reason },
        databases: 0,
        lastPullLagMs: null,
        clockSkewMs: null,
        centralRoundTripMs: null,
        failureRate: null,
        loops: {},
      }),
    );
    expect(check(report, 'sync-enabled')).toMatchObject({ status: 'warn', message: reason });
    expect(check(report, 'central-database').status).toBe('warn');
    expect(check(report, 'worker').status).toBe('pass');
    expect(report.status).toBe('warn');
  });

  it('checks scheduled backups when the host runs them: made, failed, overdue, off', () => {
    const day = 86_400_000;
    const backup = (patch: Partial<NonNullable<HealthInputs['backup']>>) =>
      check(
        evaluateHealth(
          inputs({
            backup: {
              intervalMs: day,
              lastAt: new Date(NOW - 3_600_000).toISOString(),
              lastError: null,
              since: new Date(NOW - 2 * 3_600_000).toISOString(),
              ...patch,
            },
          }),
        ),
        'backup',
      );
    expect(evaluateHealth(inputs()).checks.map((c) => c.name)).not.toContain('backup');
    expect(backup({})).toMatchObject({ status: 'pass', label: 'Backups' });
    expect(backup({}).message).toBe('Last backup 1 h ago; one is made every 24 h.');
    // A computer off for a night misses one: still fine; two in a row are not.
    expect(backup({ lastAt: new Date(NOW - 1.5 * day).toISOString() }).status).toBe('pass');
    const overdue = backup({ lastAt: new Date(NOW - 2.5 * day).toISOString() });
    expect(overdue).toMatchObject({ status: 'warn', threshold: 2 * day });
    expect(overdue.message).toMatch(/^Last backup 2 days ago, and one is due every 24 h/);
    // None yet: not overdue until two intervals after the schedule began.
    expect(backup({ lastAt: null }).message).toContain('the first is made soon after start');
    expect(backup({ lastAt: null, since: new Date(NOW - 3 * day).toISOString() }).status).toBe(
      'warn',
    );
    const failed = backup({
      lastError: { at: '2030-01-01T11:30:00.000Z', message: 'The disk is full.' },
    });
    expect(failed.status).toBe('warn');
    expect(failed.message).toContain('failed: The disk is full.');
    expect(backup({ intervalMs: 0, lastAt: null })).toMatchObject({
      status: 'pass',
      message: 'No backup made yet; scheduled backups are off (backup.intervalMs is 0).',
    });
  });

  it('warns when no database is configured to sync', () => {
    expect(check(evaluateHealth(inputs({ databases: 0 })), 'sync-enabled').status).toBe('warn');
  });
});
