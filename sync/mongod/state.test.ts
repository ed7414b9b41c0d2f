import { describe, expect, it } from 'vitest';
import { isOutpostError } from '../errors.js';
import { assertTransition, canTransition } from './state.js';

describe('mongod state machine', () => {
  it('allows the life cycle start, crash, restart, stop', () => {
    const path = [
      'stopped',
      'starting',
      'running',
      'restarting',
      'starting',
      'running',
      'stopping',
      'stopped',
    ] as const;
    for (let i = 1; i < path.length; i++) expect(canTransition(path[i - 1]!, path[i]!)).toBe(true);
  });

  it('refuses transitions outside the table with a coded error', () => {
    expect(canTransition('stopped', 'running')).toBe(false);
    expect(canTransition('stopping', 'running')).toBe(false);
    try {
      assertTransition('stopped', 'running');
      expect.unreachable();
    } catch (error) {
      expect(isOutpostError(error, 'INVALID_STATE')).toBe(true);
    }
  });
});
