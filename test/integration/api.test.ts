/**
 * The loopback HTTP API over a real engine (harness mongods): authentication, Host checks, body
 * validation, metrics exposition, server-sent events, and health degrading as central goes away.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type ConfigPatch } from '../../sync/config/index.js';
import { createApiHandlers, type ApiHandlers } from '../../sync/api/handlers.js';
import { apiTokenFile, createApiServer, type ApiServer } from '../../sync/api/http-server.js';
import type { HealthReport } from '../../sync/api/contract.js';
import {
  createCluster,
  waitFor,
  type TestCluster,
  type TestSite,
} from '../harness/sync-cluster.js';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json<T = Record<string, unknown>>(): T;
}

/** node:http rather than fetch: fetch does not let a test send a foreign Host header. */
function request(
  server: ApiServer,
  options: {
    method?: string;
    path: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
  },
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: server.port,
        method: options.method ?? 'GET',
        path: options.path,
        headers: options.headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            json: <T>() => JSON.parse(text) as T,
          });
        });
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const auth = (server: ApiServer) => ({ Authorization: `Bearer ${server.token}` });
const call = (server: ApiServer, name: string, body?: unknown) =>
  request(server, {
    method: 'POST',
    path: `/api/call/${name}`,
    headers: { ...auth(server), 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

interface Instance {
  dir: string;
  handlers: ApiHandlers;
  server: ApiServer;
}

async function startApi(site: TestSite, health: ConfigPatch['health'] = {}): Promise<Instance> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'outpost-api-'));
  const configFile = path.join(dir, 'outpost.json');
  await writeFile(configFile, JSON.stringify({ siteId: 'shop-1' }));
  const config = await loadConfig({
    file: configFile,
    overrides: { dataDir: dir, central: { uri: 'mongodb://head:secret@central:27017' }, health },
  });
  const handlers = createApiHandlers({
    engine: site.engine,
    config,
    configFile,
    instanceId: site.instanceId,
  });
  const server = await createApiServer({
    handlers,
    host: '127.0.0.1',
    port: 0,
    tokenFile: apiTokenFile(dir),
    heartbeatMs: 200,
  });
  return { dir, handlers, server };
}

async function stopApi(instance: Instance | undefined): Promise<void> {
  if (!instance) return;
  await instance.server.close();
  instance.handlers.close();
  await rm(instance.dir, { recursive: true, force: true });
}

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
    expect(status).toMatchObject({ instanceId: site.instanceId, outboxDepth: expect.any(Number) });

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
    const events = await openStream(server);
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

/**
 * Every line must be a HELP, TYPE or sample line of the text exposition format, and every sample
 * must belong to a declared family. Returns the declared families (a family whose value is not
 * known yet, such as the lag before anything was pulled, is declared without samples).
 */
function parseExposition(text: string): string[] {
  const name = '[a-zA-Z_:][a-zA-Z0-9_:]*';
  const label = '[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"';
  const sample = new RegExp(
    `^(${name})(?:\\{(?:${label}(?:,${label})*,?)?\\})? (?:[-+]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][-+]?\\d+)?|NaN|[-+]Inf)(?: -?\\d+)?$`,
  );
  const help = new RegExp(`^# HELP ${name} .*$`);
  const type = new RegExp(`^# TYPE ${name} (counter|gauge|histogram|summary|untyped)$`);
  const families = new Set<string>();
  let samples = 0;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      expect(help.test(line) || type.test(line), line).toBe(true);
      if (line.startsWith('# TYPE ')) families.add(line.split(' ')[2]!);
      continue;
    }
    const match = sample.exec(line);
    expect(match, `not an exposition sample: ${line}`).not.toBeNull();
    expect(families, `sample of an undeclared family: ${line}`).toContain(match![1]);
    samples += 1;
  }
  expect(samples).toBeGreaterThan(10);
  return [...families];
}

function openStream(server: ApiServer) {
  const received: { event: string; data: { state: { name: string } } }[] = [];
  let raw = '';
  let buffer = '';
  const req = http.get(
    { host: '127.0.0.1', port: server.port, path: '/api/events', headers: auth(server) },
    (res) => {
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        raw += chunk;
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.+)$/m.exec(block)?.[1];
          const data = /^data: (.+)$/m.exec(block)?.[1];
          if (event && data)
            received.push({ event, data: JSON.parse(data) as { state: { name: string } } });
        }
      });
    },
  );
  req.on('error', () => undefined);
  return {
    received,
    get raw() {
      return raw;
    },
    states: () => received.map((e) => e.data.state.name),
    close: () => req.destroy(),
  };
}
