import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HybridClock, compareVersions, formatVersion, parseVersion } from './hlc.js';

describe('HybridClock', () => {
  it('issues strictly increasing versions even when the wall clock goes backwards', () => {
    let wall = 1_000_000;
    const clock = new HybridClock('site-a', () => wall);
    const first = clock.now();
    wall -= 60_000;
    const second = clock.now();
    expect(compareVersions(second, first)).toBe(1);
  });

  it('orders a causally later edit after what it saw, an hour behind or ahead', () => {
    const hour = 3_600_000;
    const real = 1_800_000_000_000;
    const ahead = new HybridClock('site-a', () => real + hour);
    const behind = new HybridClock('site-b', () => real - hour);
    const fromAhead = ahead.now();
    behind.receive(fromAhead);
    const reply = behind.now();
    expect(compareVersions(reply, fromAhead)).toBe(1);
    ahead.receive(reply);
    expect(compareVersions(ahead.now(), reply)).toBe(1);
  });

  it('breaks ties by instance ID and sorts as text', () => {
    const a = formatVersion({ l: 5, c: 1 }, 'a');
    const b = formatVersion({ l: 5, c: 1 }, 'b');
    expect(compareVersions(a, b)).toBe(-1);
    expect(compareVersions(undefined, a)).toBe(-1);
    expect(parseVersion(b)).toEqual({ l: 5, c: 1, origin: 'b' });
    expect(parseVersion('garbage')).toBeUndefined();
  });

  it('keeps the fixed width when the counter overflows', () => {
    const clock = new HybridClock('x', () => 10, { l: 10, c: 999_999 });
    expect(parseVersion(clock.now())).toEqual({ l: 11, c: 0, origin: 'x' });
  });

  it('property: text order of versions equals numeric order of (l, c)', () => {
    fc.assert(
      fc.property(
        fc.nat(2 ** 42),
        fc.nat(999_999),
        fc.nat(2 ** 42),
        fc.nat(999_999),
        (l1, c1, l2, c2) => {
          const text = Math.sign(
            compareVersions(
              formatVersion({ l: l1, c: c1 }, 'o'),
              formatVersion({ l: l2, c: c2 }, 'o'),
            ),
          );
          const numeric = Math.sign(l1 - l2 || c1 - c2);
          expect(text).toBe(numeric);
        },
      ),
      { seed: 42, numRuns: 500 },
    );
  });
});
