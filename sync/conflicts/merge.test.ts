import fc from 'fast-check';
import { Long } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { mergeDocuments, withCounters } from './merge.js';

describe('mergeDocuments', () => {
  const base = { _id: 1, name: 'Latte', price: 3, qty: 100, tags: ['hot'] };

  it('takes each side\u2019s changes to different fields', () => {
    const site = { ...base, name: 'Caffe latte' };
    const central = { ...base, price: 3.2 };
    expect(mergeDocuments({ base, site, central, counters: [], newer: 'central' })).toEqual({
      merged: { _id: 1, name: 'Caffe latte', price: 3.2, qty: 100, tags: ['hot'] },
      conflicting: [],
    });
  });

  it('reports a field changed on both sides and lets the newer side win it', () => {
    const site = { ...base, price: 3.5 };
    const central = { ...base, price: 3.2 };
    expect(mergeDocuments({ base, site, central, counters: [], newer: 'site' })).toEqual({
      merged: site,
      conflicting: ['price'],
    });
    expect(
      mergeDocuments({ base, site, central, counters: [], newer: 'central' }).merged['price'],
    ).toBe(3.2);
  });

  it('honours deletions of fields on one side', () => {
    const { tags: _dropped, ...site } = base;
    expect(
      mergeDocuments({ base, site, central: base, counters: [], newer: 'central' }).merged,
    ).toEqual(site);
  });

  it('merges counters as base + site delta + central delta, for numbers and Longs', () => {
    const site = { ...base, qty: 90 };
    const central = { ...base, qty: 95 };
    expect(
      mergeDocuments({ base, site, central, counters: ['qty'], newer: 'central' }).merged['qty'],
    ).toBe(85);
    expect(withCounters(central, { base, site, central, counters: ['qty'] })['qty']).toBe(85);
    const long = mergeDocuments({
      base: { qty: Long.fromNumber(10) },
      site: { qty: Long.fromNumber(7) },
      central: { qty: 9 },
      counters: ['qty'],
      newer: 'site',
    });
    expect(long.merged['qty']).toBe(6);
  });

  it('property: counters lose no delta, whatever the sides did', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1e6, max: 1e6 }),
        fc.integer({ min: -1e4, max: 1e4 }),
        fc.integer({ min: -1e4, max: 1e4 }),
        (start, siteDelta, centralDelta) => {
          const result = mergeDocuments({
            base: { qty: start },
            site: { qty: start + siteDelta },
            central: { qty: start + centralDelta },
            counters: ['qty'],
            newer: 'site',
          });
          expect(result.merged['qty']).toBe(start + siteDelta + centralDelta);
        },
      ),
      { seed: 7, numRuns: 300 },
    );
  });

  it('property: merging with an unchanged side returns the other side', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd'), fc.oneof(fc.integer(), fc.string())),
        (changes) => {
          const start = { _id: 1, a: 1, b: 'x', c: 2 };
          const site = { ...start, ...changes };
          expect(
            mergeDocuments({ base: start, site, central: start, counters: [], newer: 'central' }),
          ).toEqual({ merged: site, conflicting: [] });
        },
      ),
      { seed: 11, numRuns: 200 },
    );
  });
});
