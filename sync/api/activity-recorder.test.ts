import { describe, expect, it } from 'vitest';
import type { EngineState } from '../status/engine-state.js';
import { activityFor } from './activity-recorder.js';

const offline: EngineState = { name: 'offline', since: '2030-01-01T10:00:00.000Z', reason: 'down' };
const idle: EngineState = { name: 'idle', since: '2030-01-01T10:02:30.000Z' };
const syncing: EngineState = { name: 'syncing', since: '2030-01-01T10:00:05.000Z' };

describe('activityFor', () => {
  it('records losing central once per outage, and its return with the outage length', () => {
    expect(activityFor(syncing, offline, null)).toEqual({
      event: 'sync.went-offline',
      level: 'warn',
      reason: 'down',
    });
    // Still offline (the engine reports again with a new reason): nothing new.
    expect(activityFor(offline, offline, offline.since)).toBeUndefined();
    expect(activityFor({ name: 'paused', since: '' }, offline, offline.since)).toBeUndefined();
    expect(activityFor(offline, idle, offline.since)).toEqual({
      event: 'sync.back-online',
      level: 'info',
      durationMs: 150_000,
    });
  });

  it('ignores syncing and idle flips, records an error', () => {
    expect(activityFor(idle, syncing, null)).toBeUndefined();
    expect(activityFor(syncing, idle, null)).toBeUndefined();
    expect(
      activityFor(
        syncing,
        { name: 'error', since: '', error: { code: 'INTERNAL', message: 'Disk full.' } },
        null,
      ),
    ).toMatchObject({ event: 'sync.failed', level: 'error', message: 'Disk full.' });
  });
});
