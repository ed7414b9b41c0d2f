/**
 * Health over the HTTP API as central becomes unreachable and the outbox fills: warn over the
 * queue threshold, fail past the outage threshold (two instances with different thresholds on one
 * engine), and back to pass when central returns.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HealthReport } from '../../sync/api/contract.js';
import { auth, request, startApi, stopApi, type Instance } from '../harness/api-client.js';
import {
  createCluster,
  waitFor,
  type TestCluster,
  type TestSite,
} from '../harness/sync-cluster.js';

describe('health as central goes away and the outbox fills', () => {
  let cluster: TestCluster;
  let site: TestSite;
  let lenient: Instance | undefined;
  let strict: Instance | undefined;

  beforeAll(async () => {
    cluster = await createCluster({ sites: 1 });
    site = cluster.sites[0]!;
    lenient = await startApi(site, { queueWarn: 5, centralDownFailMs: 600_000 });
    strict = await startApi(site, { queueWarn: 5, centralDownFailMs: 1_500 });
  });
  afterAll(async () => {
    await stopApi(lenient);
    await stopApi(strict);
    await cluster?.stop();
  });

  const health = async (instance: Instance) => {
    const reply = await request(instance.server, {
      path: '/api/health',
      headers: auth(instance.server),
    });
    const report = reply.json<HealthReport>();
    const check = (name: string) => report.checks.find((c) => c.name === name)!;
    return { http: reply.status, report, check };
  };

  it('warns over the queue threshold, fails past the outage threshold, and recovers', async () => {
    await waitFor(
      'engine idle',
      async () => (await site.engine.status()).state.name === 'idle',
      30_000,
    );
    const before = await health(lenient!);
    expect(before.check('queue-size').status).toBe('pass');
    expect(before.check('central-database').status).toBe('pass');

    site.proxy.cut();
    await site.db
      .collection('sales')
      .insertMany(Array.from({ length: 10 }, (_, i) => ({ _id: `cut-${i}` as never, total: i })));
    await waitFor('outbox over 5', async () => (await site.engine.status()).outboxDepth > 5);
    await waitFor(
      'central reported down',
      async () => (await health(lenient!)).check('central-database').status === 'warn',
      30_000,
    );

    const warned = await health(lenient!);
    expect(warned.check('queue-size')).toMatchObject({ status: 'warn', threshold: 5 });
    expect(warned.check('queue-size').value).toBeGreaterThan(5);
    expect(warned.report.status).toBe('warn');
    expect(warned.http).toBe(200);

    await waitFor(
      'central past the strict threshold',
      async () => (await health(strict!)).http === 503,
      30_000,
    );
    const failed = await health(strict!);
    expect(failed.report.status).toBe('fail');
    expect(failed.check('central-database').status).toBe('fail');
    expect(failed.check('central-database').message).toContain('unreachable for');
    // The same outage is only a warning under the default-like threshold.
    expect((await health(lenient!)).http).toBe(200);

    site.proxy.restore();
    await waitFor(
      'outbox drained',
      async () => (await site.engine.status()).outboxDepth === 0,
      60_000,
    );
    await waitFor(
      'healthy again',
      async () => (await health(strict!)).check('central-database').status === 'pass',
      30_000,
    );
    expect((await health(strict!)).check('queue-size').status).toBe('pass');
  });
});
