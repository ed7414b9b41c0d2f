import { describe, expect, it } from 'vitest';
import { localOnlyEngine } from './local-only-engine.js';
import { movedByCollection, syncRun } from './sync-run.js';

describe('syncRun', () => {
  it('is not complete on an engine that cannot sync, and says so at once', async () => {
    const started = Date.now();
    const run = await syncRun(localOnlyEngine('site-1', 'No central connection string.'), {
      timeoutMs: 5_000,
      pollMs: 10,
    });
    expect(run).toMatchObject({ complete: false, waiting: 0, pushed: 0, pulled: 0 });
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('reports what moved by collection, and counts a new engine from zero', () => {
    const moved = movedByCollection(
      {
        'pos.sales': { pushed: 10, pulled: 0, conflicts: 1 },
        'pos.products': { pushed: 0, pulled: 4, conflicts: 0 },
        'pos.till.settings': { pushed: 2, pulled: 2, conflicts: 0 },
      },
      {
        'pos.sales': { pushed: 13, pulled: 0, conflicts: 1 },
        'pos.products': { pushed: 0, pulled: 4, conflicts: 0 },
        // Lower than before: counters of an engine that replaced the one asked.
        'pos.till.settings': { pushed: 1, pulled: 0, conflicts: 0 },
        'back.orders': { pushed: 0, pulled: 2, conflicts: 2 },
      },
    );
    expect(moved).toEqual([
      { db: 'back', coll: 'orders', pushed: 0, pulled: 2, conflicts: 2 },
      { db: 'pos', coll: 'sales', pushed: 3, pulled: 0, conflicts: 0 },
      { db: 'pos', coll: 'till.settings', pushed: 1, pulled: 0, conflicts: 0 },
    ]);
  });
});
