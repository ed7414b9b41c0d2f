import os from 'node:os';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BRIDGE_CALLS } from '../sync/api/contract.js';
import { createApiHandlers, type ApiHandlers } from '../sync/api/handlers.js';
import { loadConfig } from '../sync/config/index.js';
import type { EngineStatus, SyncEngine } from '../sync/engine/create-engine.js';
import { newCounters } from '../sync/engine/context.js';
import { silentLogger } from '../sync/logging/logger.js';
import type { EngineState } from '../sync/status/engine-state.js';
import { BRIDGE_CHANNELS, type IpcReply } from './bridge-channels.js';
import { isTrustedSender, registerBridgeIpc, type SenderEvent } from './ipc.js';
import { FakeWebContents, ipcMain, resetFakeElectron } from './testing/fake-electron.js';

vi.mock('electron', () => import('./testing/fake-electron.js'));

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
    pause: () =>
      Promise.reject(new Error('central refused mongodb://pos:hunter2@central.example/ login')),
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

const appWindow = new FakeWebContents();
const otherWindow = new FakeWebContents();

function sender(url: string | null, options: { sender?: FakeWebContents; parent?: unknown } = {}) {
  return {
    senderFrame: url === null ? null : { url, parent: options.parent ?? null },
    sender: options.sender ?? appWindow,
  } as unknown as SenderEvent;
}

const APP = sender('app://outpost/index.html');

let handlers: ApiHandlers | undefined;
afterEach(() => handlers?.close());
beforeEach(() => {
  resetFakeElectron();
  appWindow.sent = [];
  appWindow.destroyed = false;
});

async function setup() {
  const engine = fakeEngine();
  const config = await loadConfig({ overrides: { dataDir: os.tmpdir() } });
  handlers = createApiHandlers({ engine, config, instanceId: 'site-x' });
  const invoke = vi.spyOn(handlers, 'invoke');
  const ipc = registerBridgeIpc({
    ipcMain: ipcMain,
    handlers,
    isTrusted: (event) => isTrustedSender(event, (contents) => contents === (appWindow as never)),
    eventTargets: () => [appWindow as never],
    logger: silentLogger(),
  });
  const handler = ipcMain.handlers.get(BRIDGE_CHANNELS.invoke);
  if (!handler) throw new Error('no handler on the invoke channel');
  /** What the renderer's ipcRenderer.invoke(channel, name, args) gets back. */
  const call = (event: SenderEvent, name: unknown, args?: unknown) =>
    (handler as (...args: unknown[]) => Promise<IpcReply>)(event, name, args);
  return { engine, ipc, call, invoke };
}

function errorOf(reply: IpcReply) {
  if (reply.ok) throw new Error(`expected a failure, got ${JSON.stringify(reply.result)}`);
  return reply.error;
}

describe('isTrustedSender', () => {
  const isApp = (contents: unknown) => contents === appWindow;

  it('trusts the app page in the top frame of the app window', () => {
    expect(isTrustedSender(APP, isApp)).toBe(true);
    expect(isTrustedSender(sender('app://outpost/conflicts?id=1#x'), isApp)).toBe(true);
  });

  it('refuses other origins, subframes, gone frames and other windows', () => {
    for (const event of [
      sender('https://evil.example/'),
      sender('file:///opt/Outpost/resources/app.asar/dist-renderer/index.html'),
      sender('app://outpost.evil/index.html'),
      sender('http://127.0.0.1:27080/'),
      sender('not a url'),
      sender(null),
      sender('app://outpost/index.html', { parent: { url: 'app://outpost/index.html' } }),
      sender('app://outpost/index.html', { sender: otherWindow }),
    ]) {
      expect(isTrustedSender(event, isApp)).toBe(false);
    }
  });
});

describe('registerBridgeIpc', () => {
  it('registers one invoke channel that reaches every call of the contract', async () => {
    const { call } = await setup();
    expect([...ipcMain.handlers.keys()]).toEqual([BRIDGE_CHANNELS.invoke]);
    for (const name of BRIDGE_CALLS) {
      const reply = await call(APP, name, undefined);
      // Some calls need arguments: INVALID_ARGS proves the call is known and validated.
      if (!reply.ok) expect(reply.error.code, name).not.toMatch(/UNKNOWN_CALL|IPC_SENDER/);
    }
  });

  it('returns the result of a valid call', async () => {
    const { call } = await setup();
    expect(await call(APP, 'app:get-info')).toEqual({
      ok: true,
      result: expect.objectContaining({ instanceId: 'site-x' }) as unknown,
    });
    const status = await call(APP, 'sync:get-status', {});
    expect(status.ok && (status.result as { state: EngineState }).state.name).toBe('idle');
  });

  it('rejects a foreign sender before anything runs', async () => {
    const { call, invoke } = await setup();
    for (const event of [
      sender('https://evil.example/'),
      sender(null),
      sender('app://outpost/', { sender: otherWindow }),
    ]) {
      const error = errorOf(await call(event, 'sync:pause'));
      expect(error.code).toBe('IPC_SENDER_REJECTED');
    }
    expect(invoke).not.toHaveBeenCalled();
  });

  it('rejects an unknown call and a call without a name', async () => {
    const { call } = await setup();
    const unknown = errorOf(await call(APP, 'sync:explode', {}));
    expect(unknown.code).toBe('UNKNOWN_CALL');
    expect(unknown.message).toContain('sync:explode');
    expect(errorOf(await call(APP, 42)).code).toBe('UNKNOWN_CALL');
  });

  it('rejects invalid arguments with the schema issues', async () => {
    const { call } = await setup();
    const error = errorOf(await call(APP, 'conflicts:list', { limit: 9_999 }));
    expect(error.code).toBe('INVALID_ARGS');
    expect(error.details?.['issues']).toEqual([
      expect.objectContaining({ path: 'limit' }) as unknown,
    ]);
    expect(errorOf(await call(APP, 'sync:pause', { now: true })).code).toBe('INVALID_ARGS');
  });

  it('sends failures as {code, message, details} with credentials removed', async () => {
    const { call } = await setup();
    const error = errorOf(await call(APP, 'sync:pause'));
    expect(error).toEqual({
      code: 'INTERNAL',
      message: 'central refused mongodb://***@central.example/ login',
    });
  });

  it('forwards events to the window, and stops on dispose', async () => {
    const { engine, ipc } = await setup();
    await vi.waitFor(() => expect(appWindow.sent).toHaveLength(1)); // the initial state
    const offline: EngineState = {
      name: 'offline',
      since: '2030-01-01T00:01:00.000Z',
      reason: 'x',
    };
    engine.emit(offline);
    expect(appWindow.sent.at(-1)).toEqual({
      channel: BRIDGE_CHANNELS.event,
      args: ['sync:status-changed', { state: offline }],
    });
    handlers?.raiseError(new Error('disk full'));
    expect(appWindow.sent.at(-1)?.args).toEqual([
      'app:error-raised',
      { code: 'INTERNAL', message: 'disk full' },
    ]);
    appWindow.destroyed = true;
    const count = appWindow.sent.length;
    engine.emit({ name: 'idle', since: '2030-01-01T00:02:00.000Z' });
    expect(appWindow.sent).toHaveLength(count);
    appWindow.destroyed = false;
    ipc.dispose();
    engine.emit({ name: 'syncing', since: '2030-01-01T00:03:00.000Z' });
    expect(appWindow.sent).toHaveLength(count);
    expect(ipcMain.handlers.size).toBe(0);
  });
});
