import { describe, expect, it } from 'vitest';
import { RateWindow } from './rates.js';

const sample = (at: number, pushed: number, pulled = 0, pushFailures = 0, pullFailures = 0) => ({
  at,
  pushed,
  pulled,
  pushFailures,
  pullFailures,
});

describe('RateWindow', () => {
  it('has no rate from a single sample', () => {
    const window = new RateWindow(60_000);
    window.record(sample(0, 10));
    expect(window.rates()).toEqual({
      pushedPerSecond: 0,
      pulledPerSecond: 0,
      failureRate: null,
      spanMs: 0,
    });
  });

  it('computes rates over the window and forgets older samples', () => {
    const window = new RateWindow(10_000);
    window.record(sample(0, 0));
    window.record(sample(5_000, 100, 10));
    window.record(sample(10_000, 200, 20));
    expect(window.rates()).toMatchObject({
      pushedPerSecond: 20,
      pulledPerSecond: 2,
      spanMs: 10_000,
    });
    window.record(sample(20_000, 200, 20));
    // The samples at 0 and 5 s fell out; the base is now the one at 10 s.
    expect(window.rates()).toMatchObject({ pushedPerSecond: 0, spanMs: 10_000, failureRate: null });
  });

  it('gives the failure rate as failures over all attempts', () => {
    const window = new RateWindow(60_000);
    window.record(sample(0, 0));
    window.record(sample(1_000, 90, 0, 8, 2));
    expect(window.rates().failureRate).toBe(0.1);
  });

  it('starts over when the counters restart (a new engine)', () => {
    const window = new RateWindow(60_000);
    window.record(sample(0, 500));
    window.record(sample(1_000, 600));
    window.record(sample(2_000, 5));
    expect(window.rates().spanMs).toBe(0);
  });
});
