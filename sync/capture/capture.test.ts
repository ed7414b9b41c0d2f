import { describe, expect, it } from 'vitest';
import { changedAt } from './capture.js';

describe('changedAt', () => {
  it('dates a change when the mongod wrote it, on the engine clock', () => {
    // The engine clock may run apart from the system clock (a test clock, a skewed machine):
    // the change keeps its age, not the system time.
    const at = changedAt({ wallTime: new Date(Date.now() - 40) }, 5_000_000);
    expect(5_000_000 - at).toBeGreaterThanOrEqual(40);
    expect(5_000_000 - at).toBeLessThan(1_000);
  });

  it('never dates a change after the moment it was read', () => {
    expect(changedAt({ wallTime: new Date(Date.now() + 60_000) }, 5_000_000)).toBe(5_000_000);
  });

  it('takes the moment it was read when the event has no wallTime (before MongoDB 6.0)', () => {
    expect(changedAt({}, 5_000_000)).toBe(5_000_000);
  });
});
