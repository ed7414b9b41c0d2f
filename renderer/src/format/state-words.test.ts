import { describe, expect, it } from 'vitest';
import type { StatusView } from '../../../sync/api/contract.js';
import { stateWords } from './state-words.js';
import { ago, duration } from './time.js';

const NOW = Date.parse('2030-01-01T12:00:00.000Z');

function status(patch: Partial<StatusView>): StatusView {
  return {
    instanceId: 'op-1',
    state: { name: 'idle', since: '2030-01-01T11:00:00.000Z' },
    outboxDepth: 0,
    oldestUnsyncedAgeMs: null,
    quarantined: 0,
    openConflicts: 0,
    counters: {} as StatusView['counters'],
    rates: { pushedPerSecond: 0, pulledPerSecond: 0, failureRate: null, spanMs: 0 },
    centralRoundTripMs: null,
    clockSkewMs: null,
    lastSyncAt: null,
    offlineSince: null,
    bootstrap: [],
    preparing: [],
    duplicateInstance: null,
    localMongod: null,
    ...patch,
  };
}

describe('stateWords', () => {
  it('says In sync only when idle with nothing waiting', () => {
    expect(stateWords(status({}), NOW)).toMatchObject({ tone: 'ok', title: 'In sync' });
    expect(stateWords(status({ outboxDepth: 3 }), NOW)).toMatchObject({
      tone: 'busy',
      title: 'Syncing…',
      detail: 'Sending 3 changes to central.',
    });
  });

  it('says how long central has been unreachable and that sales are safe', () => {
    const words = stateWords(
      status({
        state: { name: 'offline', since: '2030-01-01T11:59:00.000Z', reason: 'timeout' },
        offlineSince: '2030-01-01T11:57:30.000Z',
        outboxDepth: 1,
      }),
      NOW,
    );
    expect(words.tone).toBe('offline');
    expect(words.title).toBe('Offline — sales are safe on this computer');
    expect(words.detail).toBe(
      'Central has been unreachable for 2 min. 1 change is waiting and will be sent when sync resumes.',
    );
  });

  it('asks for attention on an error or open conflicts', () => {
    const error = stateWords(
      status({
        state: {
          name: 'error',
          since: '2030-01-01T11:00:00.000Z',
          error: { code: 'INTERNAL', message: 'Disk full.' },
        },
      }),
      NOW,
    );
    expect(error).toMatchObject({ tone: 'attention', title: 'Needs attention' });
    expect(error.detail).toContain('Disk full.');
    expect(stateWords(status({ openConflicts: 2 }), NOW).detail).toContain(
      '2 records were changed both here and at central',
    );
    expect(stateWords(status({ state: { name: 'paused', since: '' } }), NOW).title).toBe('Paused');
  });
});

describe('time words', () => {
  it('reads durations and moments', () => {
    expect(duration(12_400)).toBe('12 s');
    expect(duration(4 * 60_000 + 5_000)).toBe('4 min');
    expect(duration(125 * 60_000)).toBe('2 h 5 min');
    expect(ago(null, NOW)).toBe('never');
    expect(ago('2030-01-01T11:59:59.500Z', NOW)).toBe('just now');
    expect(ago('2030-01-01T11:59:00.000Z', NOW)).toBe('1 min ago');
  });
});
