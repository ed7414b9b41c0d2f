import { describe, expect, it } from 'vitest';
import { ErrorCode, OutpostError } from '../errors.js';
import { LOOP_RESTART_HISTORY } from '../status/engine-state.js';
import { LoopMonitor } from './loop-monitor.js';

describe('LoopMonitor', () => {
  it('records starts, restarts and the last error of each loop', () => {
    let now = Date.parse('2030-01-01T00:00:00.000Z');
    const monitor = new LoopMonitor(() => now);
    monitor.started('push');
    now += 1_000;
    monitor.failed(
      'push',
      new OutpostError(ErrorCode.CentralUnreachable, 'Central is down.'),
      true,
    );
    now += 500;
    monitor.started('push');
    monitor.failed('push', new Error('boom'), false);
    expect(monitor.snapshot()).toEqual({
      push: {
        startedAt: '2030-01-01T00:00:01.500Z',
        restarts: 2,
        recentRestarts: [
          { at: '2030-01-01T00:00:01.000Z', retryable: true },
          { at: '2030-01-01T00:00:01.500Z', retryable: false },
        ],
        lastError: { code: 'INTERNAL', message: 'boom' },
      },
    });
  });

  it('keeps a bounded history and hands out copies', () => {
    const monitor = new LoopMonitor();
    monitor.started('heartbeat');
    for (let i = 0; i < LOOP_RESTART_HISTORY + 10; i++) monitor.failed('heartbeat', 'x', false);
    const snapshot = monitor.snapshot();
    expect(snapshot['heartbeat']?.restarts).toBe(LOOP_RESTART_HISTORY + 10);
    expect(snapshot['heartbeat']?.recentRestarts).toHaveLength(LOOP_RESTART_HISTORY);
    snapshot['heartbeat']?.recentRestarts.pop();
    expect(monitor.snapshot()['heartbeat']?.recentRestarts).toHaveLength(LOOP_RESTART_HISTORY);
    monitor.clear();
    expect(monitor.snapshot()).toEqual({});
  });
});
