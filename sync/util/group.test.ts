import { describe, expect, it } from 'vitest';
import { groupBy } from './group.js';

describe('groupBy', () => {
  it('keeps the order of first appearance, and of the items in each group', () => {
    const groups = groupBy(['b1', 'a1', 'b2', 'c1', 'a2'], (s) => s[0]!);
    expect([...groups]).toEqual([
      ['b', ['b1', 'b2']],
      ['a', ['a1', 'a2']],
      ['c', ['c1']],
    ]);
  });

  it('is empty for no items', () => {
    expect(groupBy([], String).size).toBe(0);
  });
});
