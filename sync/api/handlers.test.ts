import os from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import type { EngineStatus, SyncEngine } from '../engine/create-engine.js';
import { newCounters } from '../engine/context.js';
import { isOutpostError, type OutpostError } from '../errors.js';
import type { EngineState } from '../status/engine-state.js';
import { createApiHandlers, type ApiHandlers } from './handlers.js';

/** An engine that never started: status only, no context (no database). */
function fakeEngine(): SyncEngine & { emit(state: EngineState): void } {
  const listeners = new Set<(state: EngineState) => void>();
  let state: EngineState = { name: 'idle', since: '2030-01-01T00:00:00.000Z' };
  const status = (): EngineStatus => ({
    instanceId: 'site-x',
    state,
    outboxDepth: 0,
    oldestUnsyncedAgeMs: null,
    quarantined: 0,
    openConflicts: 0,
    counters: newCounters(),
    centralRoundTripMs: 3,
    clockSkewMs: 1,
    lastSyncAt: null,
    bootstrap: [],
    preparing: [],
    duplicateInstance: null,
    loops: {},
  });
  return {
    instanceId: 'site-x',
    context: undefined,
    conflicts: undefined,
    onConflictOpened: () => () => undefined,
    start: () => Promise.resolve(),
    stop: () => Promise.resolve(),
    pause: () => Promise.resolve(),
    resume: () => Promise.resolve(),
    syncNow: () => undefined,
    caughtUp: () => ({}),
    status: () => Promise.resolve(status()),
    onStateChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emit(next) {
      state = next;
      for (const listener of listeners) listener(next);
    },
  };
}

let handlers: ApiHandlers | undefined;
afterEach(() => handlers?.close());

async function setup() {
  const engine = fakeEngine();
  const config = await loadConfig({ overrides: { dataDir: os.tmpdir() } });
  handlers = createApiHandlers({ engine, config, instanceId: 'site-x' });
  return { engine, handlers };
}

async function failure(promise: Promise<unknown>): Promise<OutpostError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isOutpostError(error)) throw new Error(`expected an OutpostError, got ${String(error)}`);
  return error;
}

describe('createApiHandlers().invoke', () => {
  it('refuses an unknown call name', async () => {
    const { handlers } = await setup();
    const error = await failure(handlers.invoke('sync:explode', {}));
    expect(error.code).toBe('UNKNOWN_CALL');
    expect(error.message).toContain('sync:explode');
  });

  it('names the bad field of invalid arguments', async () => {
    const { handlers } = await setup();
    const error = await failure(handlers.invoke('conflicts:list', { limit: 9_999 }));
    expect(error.code).toBe('INVALID_ARGS');
    expect(error.message).toMatch(/^Invalid arguments for conflicts:list: limit: /);
    const issues = error.details?.['issues'] as { path: string; message: string }[];
    expect(issues.map((issue) => issue.path)).toEqual(['limit']);
    expect(issues[0]?.message).toContain('500');
    const extra = await failure(handlers.invoke('sync:pause', { now: true }));
    expect(extra.code).toBe('INVALID_ARGS');
    const nested = await failure(
      handlers.invoke('conflicts:resolve', { id: 'nope', keep: 'site' }),
    );
    const nestedIssues = nested.details?.['issues'] as { path: string; message: string }[];
    expect(nestedIssues.map((issue) => issue.path)).toEqual(['id']);
    expect(nestedIssues[0]?.message).toContain('24 hexadecimal');
  });

  it('accepts no arguments, null or {} for calls without arguments', async () => {
    const { handlers } = await setup();
    for (const args of [undefined, null, {}])
      expect(await handlers.invoke('app:get-info', args)).toEqual({
        version: '0.0.0',
        instanceId: 'site-x',
        headless: true,
        localUri: null,
      });
  });

  it('says clearly that conflict resolution and verify are not available without their services', async () => {
    const { handlers } = await setup();
    const resolve = await failure(
      handlers.invoke('conflicts:resolve', { id: '65a1b2c3d4e5f60718293a4b', keep: 'site' }),
    );
    expect(resolve.code).toBe('NOT_IMPLEMENTED');
    expect(resolve.message).toContain('conflicts:resolve');
    expect((await failure(handlers.invoke('conflicts:auto-resolve', {}))).code).toBe(
      'NOT_IMPLEMENTED',
    );
    expect((await failure(handlers.invoke('sync:verify', { repair: true }))).code).toBe(
      'NOT_IMPLEMENTED',
    );
  });

  it('refuses a test alert without an http(s) address to send it to', async () => {
    const { handlers } = await setup();
    const none = await failure(handlers.invoke('alerts:test', {}));
    expect(none.code).toBe('INVALID_ARGS');
    expect(none.message).toContain('No alert webhook is set');
    const ftp = await failure(handlers.invoke('alerts:test', { url: 'ftp://example.com/x' }));
    expect(ftp.code).toBe('INVALID_ARGS');
    expect(ftp.message).toContain('an http:// or https:// address');
  });

  it('calls through to the conflict service when there is one', async () => {
    const engine = fakeEngine();
    const config = await loadConfig({ overrides: { dataDir: os.tmpdir() } });
    const seen: unknown[] = [];
    handlers = createApiHandlers({
      engine,
      config,
      instanceId: 'site-x',
      conflicts: {
        resolve: (args) => (
          seen.push(args),
          Promise.resolve({ id: args.id, state: 'resolved', outcome: args.keep })
        ),
        autoResolve: () => Promise.resolve({ resolved: 2, skipped: 0, failed: 0, remaining: 0 }),
      },
    });
    const id = '65a1b2c3d4e5f60718293a4b';
    expect(
      await handlers.invoke('conflicts:resolve', { id, keep: 'merged', doc: { qty: 3 } }),
    ).toEqual({
      id,
      state: 'resolved',
      outcome: 'merged',
    });
    expect(seen).toEqual([{ id, keep: 'merged', doc: { qty: 3 } }]);
    expect(await handlers.invoke('conflicts:auto-resolve', { max: 5_000 })).toEqual({
      resolved: 2,
      skipped: 0,
      failed: 0,
      remaining: 0,
    });
    expect((await failure(handlers.invoke('conflicts:auto-resolve', { max: 0 }))).code).toBe(
      'INVALID_ARGS',
    );
    expect((await failure(handlers.invoke('conflicts:resolve', { id, keep: 'merged' }))).code).toBe(
      'INVALID_ARGS',
    );
    await handlers.invoke('conflicts:resolve', { id, keep: 'renamed', field: 'sku', value: 'A-2' });
    expect(seen[1]).toEqual({ id, keep: 'renamed', field: 'sku', value: 'A-2' });
    for (const bad of [
      { id, keep: 'renamed', field: '$where', value: 'x' },
      { id, keep: 'renamed', field: 'sku' },
      { id, keep: 'renamed', field: 'sku', value: { $gt: 1 } },
    ])
      expect((await failure(handlers.invoke('conflicts:resolve', bad))).code).toBe('INVALID_ARGS');
  });

  it('tests a connection string without saving it, and says what is wrong in words', async () => {
    const { handlers } = await setup();
    const result = (await handlers.invoke('settings:test-connection', {
      uri: 'http://central.example.com',
    })) as { ok: boolean; problem: string; message: string };
    expect(result).toMatchObject({ ok: false, problem: 'malformed' });
    expect(result.message).toContain('must start with mongodb:// or mongodb+srv://');
    expect((await failure(handlers.invoke('settings:test-connection', {}))).code).toBe(
      'INVALID_ARGS',
    );
  });

  it('refuses config:update without a config file', async () => {
    const { handlers } = await setup();
    const error = await failure(handlers.invoke('config:update', { patch: { siteId: 'x' } }));
    expect(error.code).toBe('CONFIG_NOT_WRITABLE');
  });

  it('refuses config:reload when there is no file to read again', async () => {
    const { handlers } = await setup();
    const error = await failure(handlers.invoke('config:reload', undefined));
    expect(error.code).toBe('INVALID_STATE');
    expect(error.message).toContain('--config <file>');
  });

  it('sends the current state to a new listener, then every change', async () => {
    const { engine, handlers } = await setup();
    const seen: string[] = [];
    const off = handlers.on('sync:status-changed', ({ state }) => seen.push(state.name));
    await new Promise((resolve) => setTimeout(resolve, 10));
    engine.emit({ name: 'paused', since: '2030-01-01T00:00:01.000Z' });
    off();
    engine.emit({ name: 'idle', since: '2030-01-01T00:00:02.000Z' });
    expect(seen).toEqual(['idle', 'paused']);
  });
});
