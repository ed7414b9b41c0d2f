import { describe, expect, it } from 'vitest';
import { localOnlyEngine } from './local-only-engine.js';
import { syncRun } from './sync-run.js';

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
});
