import { describe, expect, it } from 'vitest';
import { assertEngineTransition, canTransition } from './engine-state.js';

describe('engine state machine', () => {
  it('follows start, sync, offline, back, pause, stop', () => {
    const path = [
      'stopped',
      'starting',
      'local-ready',
      'connecting',
      'syncing',
      'idle',
      'offline',
      'syncing',
      'paused',
      'idle',
      'stopped',
    ] as const;
    for (let i = 1; i < path.length; i++)
      expect(canTransition(path[i - 1]!, path[i]!), `${path[i - 1]} -> ${path[i]}`).toBe(true);
  });

  it('refuses to sync before the local database is ready, and leaves error only by restarting', () => {
    expect(canTransition('starting', 'syncing')).toBe(false);
    expect(canTransition('error', 'idle')).toBe(false);
    expect(() => assertEngineTransition('stopped', 'idle')).toThrow(
      /cannot go from "stopped" to "idle"/,
    );
  });
});
