import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.js';

describe('backoffDelay', () => {
  const policy = { initialMs: 100, maxMs: 5_000, jitter: 0.5 };

  it('grows exponentially and is capped', () => {
    const noJitter = { ...policy, jitter: 0 };
    expect([0, 1, 2, 3].map((a) => backoffDelay(noJitter, a))).toEqual([100, 200, 400, 800]);
    expect(backoffDelay(noJitter, 30)).toBe(5_000);
  });

  it('keeps jitter inside [fixed part, full delay]', () => {
    expect(backoffDelay(policy, 2, () => 0)).toBe(200);
    expect(backoffDelay(policy, 2, () => 0.999_999)).toBe(400);
    expect(backoffDelay(policy, 40, () => 1)).toBe(5_000);
  });
});
