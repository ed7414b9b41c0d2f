/**
 * The loopback HTTP API over a real engine (harness mongods): authentication, Host checks, body
 * validation, the call surface, metrics exposition and server-sent events.
 */
import { readFile, stat } from 'node:fs/promises';
import { ObjectId } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HealthReport } from '../../sync/api/contract.js';
import { apiTokenFile, createApiServer, type ApiServer } from '../../sync/api/http-server.js';
import {
  auth,
  call,
  openStream,
  parseExposition,
  request,
  startApi,
  stopApi,
  type Instance,
} from '../harness/api-client.js';
import {
  createCluster,
  waitFor,
  type TestCluster,
  type TestSite,
} from '../harness/sync-cluster.js';

describe('HTTP API on a running engine', () => {
  let cluster: TestCluster;
  let site: TestSite;
  let api: Instance;
  let server: ApiServer;

  beforeAll(async () => {
    cluster = await createCluster({ sites: 1 });
    site = cluster.sites[0]!;
    api = await startApi(site);
    server = api.server;
  });
  afterAll(async () => {
    await stopApi(api);
    await cluster?.stop();
  });

  it('keeps the token in the data directory, owner-only', async () => {
    const file = apiTokenFile(api.dir);
    expect((await readFile(file, 'utf8')).trim()).toBe(server.token);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
  });

  it('answers 401 without a token and with a wrong one', async () => {
    const attempts: Record<string, string>[] = [
      {},
      { Authorization: 'Bearer wrong-token' },
      { Authorization: server.token },
    ];
    for (const headers of attempts) {
      const reply = await request(server, { path: '/api/status', headers });
      expect(reply.status).toBe(401);
      expect(reply.headers['www-authenticate']).toBe('Bearer realm="outpost"');
      expect(reply.json()).toMatchObject({ code: 'API_UNAUTHORIZED' });
    }
    expect((await request(server, { path: '/metrics' })).status).toBe(401);
    expect((await request(server, { method: 'POST', path: '/api/call/sync:pause' })).status).toBe(
      401,
    );
    expect((await request(server, { path: '/api/status', headers: auth(server) })).status).toBe(
      200,
    );
  });

  it('refuses a foreign Host header (DNS rebinding) and a cross-site Origin', async () => {
    const rebound = await request(server, {
      path: '/api/status',
      headers: { ...auth(server), Host: `evil.example:${server.port}` },
    });
    expect(rebound.status).toBe(421);
    expect(rebound.json()).toMatchObject({ code: 'API_HOST_REJECTED' });
    const otherPort = await request(server, {
      path: '/api/status',
      headers: { ...auth(server), Host: `127.0.0.1:${server.port + 1}` },
    });
    expect(otherPort.status).toBe(421);
    const crossSite = await request(server, {
      path: '/api/status',
      headers: { ...auth(server), Origin: 'http://evil.example' },
    });
    expect(crossSite.status).toBe(403);
    for (const host of [`localhost:${server.port}`, `[::1]:${server.port}`]) {
      const ok = await request(server, {
        path: '/api/status',
        headers: { ...auth(server), Host: host },
      });
      expect(ok.status, host).toBe(200);
    }
  });

  it('answers malformed JSON, bad arguments, unknown calls and oversized bodies with clear 4xx', async () => {
    const malformed = await request(server, {
      method: 'POST',
      path: '/api/call/conflicts:list',
      headers: auth(server),
      body: '{"limit": ',
    });
    expect(malformed.status).toBe(400);
    expect(malformed.json()).toMatchObject({ code: 'API_INVALID_JSON' });
    expect(malformed.json<{ message: string }>().message).toContain('not valid JSON');

    const bad = await call(server, 'conflicts:list', { limit: 'ten', state: 'open' });
    expect(bad.status).toBe(400);
    const payload = bad.json<{
      code: string;
      message: string;
      details: { issues: { path: string }[] };
    }>();
    expect(payload.code).toBe('INVALID_ARGS');
    expect(payload.message).toContain('limit');
    expect(payload.details.issues.map((issue) => issue.path)).toEqual(['limit']);

    const unknownKey = await call(server, 'sync:pause', { force: true });
    expect(unknownKey.status).toBe(400);
    expect(
      unknownKey.json<{ details: { issues: { path: string }[] } }>().details.issues[0]?.path,
    ).toBe('force');

    const unknown = await call(server, 'sync:explode', {});
    expect(unknown.status).toBe(404);
    expect(unknown.json()).toMatchObject({ code: 'UNKNOWN_CALL' });

    const tooLarge = await request(server, {
      method: 'POST',
      path: '/api/call/conflicts:list',
      headers: auth(server),
      body: Buffer.alloc(1024 * 1024 + 10, 0x20),
    });
    expect(tooLarge.status).toBe(413);

    const wrongMethod = await request(server, {
      path: '/api/call/sync:pause',
      headers: auth(server),
    });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers['allow']).toBe('POST');
    expect((await request(server, { path: '/api/nothing', headers: auth(server) })).status).toBe(
      404,
    );
  });

  it('refuses to listen on a non-loopback address', async () => {
    for (const host of ['0.0.0.0', '::', '192.168.1.20']) {
      const error = await createApiServer({
        handlers: api.handlers,
        host,
        port: 0,
        tokenFile: apiTokenFile(api.dir),
      }).then(
        () => undefined,
        (e: unknown) => e as { code?: string; message?: string },
      );
      expect(error?.code, host).toBe('API_HOST_NOT_LOOPBACK');
      expect(error?.message).toContain('only listens on loopback');
    }
  });

  it('serves status, health, collections, log and config through the one handler set', async () => {
    await site.db.collection('sales').insertOne({ _id: 'api-1' as never, total: 5 });
    await waitFor(
      'sale at central',
      async () =>
        (await cluster.centralDb.collection('sales').countDocuments({ _id: 'api-1' as never })) ===
        1,
    );
    const status = (await request(server, { path: '/api/status', headers: auth(server) })).json();
    expect(status['instanceId']).toBe(site.instanceId);
    expect(typeof status['outboxDepth']).toBe('number');

    const health = await request(server, { path: '/api/health', headers: auth(server) });
    expect(health.status).toBe(200);
    expect(health.json<HealthReport>().checks.map((c) => c.name)).toContain('instance-id');

    await waitFor('central count of sales', async () => {
      const reply = await call(server, 'collections:list');
      const { collections } = reply.json<{
        collections: { coll: string; local: number; central: number | null }[];
      }>();
      const sales = collections.find((c) => c.coll === 'sales');
      return sales?.local === 1 && sales.central === 1;
    });

    const config = (await call(server, 'config:get')).json<{
      config: { central: { uri: string } };
    }>();
    expect(config.config.central.uri).toBe('mongodb://***@central:27017');

    const saved = await call(server, 'config:update', { patch: { health: { queueWarn: 7 } } });
    expect(saved.status).toBe(200);
    expect(saved.json()).toMatchObject({
      restartRequired: true,
      saved: { siteId: 'shop-1', health: { queueWarn: 7 } },
    });
    const invalid = await call(server, 'config:update', { patch: { sync: { batchSize: -1 } } });
    expect(invalid.status).toBe(400);
    expect(invalid.json<{ code: string; message: string }>()).toMatchObject({
      code: 'CONFIG_INVALID',
    });
    expect(invalid.json<{ message: string }>().message).toContain('sync.batchSize');

    const log = (await call(server, 'log:list', { event: 'operator.config-updated' })).json<{
      entries: unknown[];
    }>();
    expect(log.entries).toHaveLength(1);
    expect((await call(server, 'conflicts:list', {})).json()).toEqual({ conflicts: [] });
    expect((await call(server, 'conflicts:auto-resolve', {})).status).toBe(501);
  });

  it('tells the POS software where its documents stand with central', async () => {
    type States = { documents: { id: unknown; state: string; reason?: string; since?: string }[] };
    const states = async (coll: string, ids: unknown[]) =>
      (await call(server, 'documents:sync-state', { db: cluster.dbName, coll, ids })).json<States>()
        .documents;
    const receipts = site.db.collection('receipts');
    const oid = new ObjectId();
    await receipts.insertMany([
      { _id: 'r-1' as never, total: 5 },
      { _id: oid, total: 6 },
    ]);
    const atCentral = (count: number) => async () =>
      (await cluster.centralDb.collection('receipts').countDocuments()) === count;
    await waitFor('receipts at central', atCentral(2));
    await waitFor('both synced', async () =>
      (await states('receipts', ['r-1', { $oid: oid.toHexString() }])).every(
        (d) => d.state === 'synced',
      ),
    );
    const [first] = await states('receipts', ['r-1']);
    expect(first).toMatchObject({ id: 'r-1', state: 'synced' });
    expect(first).toHaveProperty('centralVersion');

    // Central cut: a new sale and an edit wait, the edit even before capture has queued it.
    site.proxy.cut();
    try {
      await receipts.insertOne({ _id: 'r-2' as never, total: 7 });
      await receipts.updateOne({ _id: 'r-1' as never }, { $set: { total: 50 } });
      const waiting = await states('receipts', ['r-1', 'r-2', 'never-sold']);
      expect(waiting.map((d) => d.state)).toEqual(['pending', 'pending', 'unknown']);
      await waitFor('the queued entries', async () =>
        (await states('receipts', ['r-1', 'r-2'])).every((d) => d.since !== undefined),
      );
    } finally {
      site.proxy.restore();
    }
    await waitFor('the three receipts at central', atCentral(3));
    await waitFor('all synced again', async () =>
      (await states('receipts', ['r-1', 'r-2'])).every((d) => d.state === 'synced'),
    );

    // Refused by central's validator: set aside, with the reason.
    await cluster.centralDb.createCollection('strict', {
      validator: { $jsonSchema: { required: ['total'] } },
    });
    await site.db.collection('strict').insertOne({ _id: 's-1' as never, note: 'no total' });
    await waitFor(
      'set aside',
      async () => (await states('strict', ['s-1']))[0]?.state === 'set-aside',
    );
    expect((await states('strict', ['s-1']))[0]?.reason).toMatch(/validation/i);

    const bad = await call(server, 'documents:sync-state', {
      db: cluster.dbName,
      coll: 'x',
      ids: [],
    });
    expect(bad.status).toBe(400);
  });

  it('exposes /metrics in the Prometheus text format', async () => {
    const reply = await request(server, { path: '/metrics', headers: auth(server) });
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const names = parseExposition(reply.text);
    for (const name of [
      'outpost_outbox_depth',
      'outpost_oldest_unsynced_age_seconds',
      'outpost_pushed_total',
      'outpost_pulled_total',
      'outpost_push_rate',
      'outpost_pull_rate',
      'outpost_propagation_lag_seconds',
      'outpost_push_failures_total',
      'outpost_pull_failures_total',
      'outpost_failure_rate',
      'outpost_retries_total',
      'outpost_conflicts_open',
      'outpost_conflicts_auto_resolved',
      'outpost_quarantined',
      'outpost_last_sync_timestamp_seconds',
      'outpost_central_round_trip_seconds',
      'outpost_clock_skew_seconds',
      'outpost_local_storage_bytes',
      'outpost_collection_local_documents',
      'outpost_collection_central_documents',
      'outpost_collection_pending',
      'outpost_engine_state',
    ])
      expect(names, name).toContain(name);
    expect(reply.text).toContain(
      `outpost_collection_local_documents{db="${cluster.dbName}",collection="sales"} 1`,
    );
    expect(reply.text).toMatch(/^outpost_pushed_total [1-9]\d*$/m);
  });

  it('streams sync:status-changed events and heartbeats over SSE', async () => {
    const events = openStream(server);
    try {
      await waitFor('initial state event', () => events.received.length >= 1, 10_000);
      expect(await call(server, 'sync:pause').then((r) => r.json())).toMatchObject({
        state: { name: 'paused' },
      });
      await waitFor('paused event', () => events.states().includes('paused'), 10_000);
      await call(server, 'sync:resume');
      await waitFor(
        'resumed event',
        () => events.states().slice(events.states().indexOf('paused') + 1).length > 0,
        10_000,
      );
      await waitFor('heartbeat', () => events.raw.includes(': heartbeat'), 5_000);
      expect(events.received.every((e) => e.event === 'sync:status-changed')).toBe(true);
    } finally {
      events.close();
    }
  });
});
