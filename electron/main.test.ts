/**
 * The composition root as a whole, with a fake `electron` and fakes at the edges of the core
 * (mongod supervisor, engine, MongoDB clients, the HTTP listener): the real startOutpost, handler
 * set, IPC, tray and quit sequence run between them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type * as MongodbModule from 'mongodb';
import type * as HttpServerModule from '../sync/api/http-server.js';
import { newCounters } from '../sync/engine/context.js';
import type * as EngineModule from '../sync/engine/create-engine.js';
import type * as LoggerModule from '../sync/logging/logger.js';
import type * as MongodModule from '../sync/mongod/index.js';
import type { EngineStatus, SyncEngine } from '../sync/engine/create-engine.js';
import { OutpostError } from '../sync/errors.js';
import type { EngineState } from '../sync/status/engine-state.js';
import { BRIDGE_CHANNELS } from './bridge-channels.js';
import {
  BrowserWindow,
  Notification,
  Tray,
  app,
  calls,
  clipboard,
  dialog,
  ipcMain,
  protocol,
  resetFakeElectron,
  type MenuItem,
} from './testing/fake-electron.js';

const fakes = vi.hoisted(() => ({
  settings: new Map<string, unknown>(),
  supervisorStart: undefined as undefined | (() => Promise<{ uri: string }>),
  engine: undefined as undefined | (SyncEngine & { emitConflict(key: unknown): void }),
  supervisorStarts: 0,
}));

const LOCAL_URI = 'mongodb://127.0.0.1:27021/?replicaSet=outpost';

vi.mock('electron', () => import('./testing/fake-electron.js'));

vi.mock('electron-store', () => ({
  default: class {
    readonly path = '/home/till/.config/Outpost/settings.json';
    get = (key: string) => fakes.settings.get(key);
    set = (key: string, value: unknown) => fakes.settings.set(key, structuredClone(value));
    delete = (key: string) => fakes.settings.delete(key);
  },
}));

vi.mock('node-machine-id', () => ({ default: { machineIdSync: () => 'machine-under-test' } }));

vi.mock('../sync/logging/logger.js', async (importOriginal) => {
  const original = await importOriginal<typeof LoggerModule>();
  return { ...original, createLogger: () => original.silentLogger() };
});

vi.mock('mongodb', async (importOriginal) => ({
  ...(await importOriginal<typeof MongodbModule>()),
  MongoClient: class {
    connect = () => Promise.resolve(this);
    close = () => {
      calls.push('client.close');
      return Promise.resolve();
    };
  },
}));

vi.mock('../sync/mongod/index.js', async (importOriginal) => ({
  ...(await importOriginal<typeof MongodModule>()),
  findMongodBinary: () => Promise.resolve({ path: '/usr/bin/mongod', source: 'path' }),
  createMongodSupervisor: () => ({
    start: () => {
      fakes.supervisorStarts++;
      return fakes.supervisorStart?.() ?? Promise.resolve({ uri: LOCAL_URI });
    },
    stop: () => {
      calls.push('mongod.stop');
      return Promise.resolve();
    },
    health: () =>
      Promise.resolve({ state: 'running', ok: true, restarts: 0, recoveredUncleanShutdown: false }),
  }),
}));

vi.mock('../sync/engine/create-engine.js', async (importOriginal) => ({
  ...(await importOriginal<typeof EngineModule>()),
  createSyncEngine: () => (fakes.engine = fakeEngine()),
}));

vi.mock('../sync/api/http-server.js', async (importOriginal) => ({
  ...(await importOriginal<typeof HttpServerModule>()),
  createApiServer: () =>
    Promise.resolve({
      url: 'http://127.0.0.1:27080',
      port: 27080,
      token: 't',
      loginUrl: () => 'http://127.0.0.1:27080/#token=x',
      close: () => {
        calls.push('api.close');
        return Promise.resolve();
      },
    }),
  writeApiDiscovery: () => Promise.resolve(),
  removeApiDiscovery: () => Promise.resolve(),
}));

function fakeEngine(): SyncEngine & { emitConflict(key: unknown): void } {
  const conflictListeners = new Set<(key: { db: string; coll: string; id: unknown }) => void>();
  let state: EngineState = { name: 'idle', since: new Date().toISOString() };
  const status = (): EngineStatus => ({
    instanceId: 'site-x',
    state,
    outboxDepth: 4,
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
    start: () => Promise.resolve(),
    stop: () => {
      calls.push('engine.stop');
      return Promise.resolve();
    },
    pause: () => {
      calls.push('engine.pause');
      state = { name: 'paused', since: new Date().toISOString() };
      return Promise.resolve();
    },
    resume: () => Promise.resolve(),
    syncNow: () => undefined,
    caughtUp: () => ({}),
    status: () => Promise.resolve(status()),
    onStateChange: () => () => undefined,
    onConflictOpened(listener) {
      conflictListeners.add(listener);
      return () => conflictListeners.delete(listener);
    },
    emitConflict(key) {
      for (const listener of conflictListeners) listener(key as never);
    },
  };
}

let userData: string;
let run = 0;
const argv = process.argv;

beforeEach(async () => {
  resetFakeElectron();
  userData = await mkdtemp(path.join(os.tmpdir(), 'outpost-main-'));
  app.userData = userData;
  fakes.settings.clear();
  fakes.settings.set('config', {
    central: { uri: 'mongodb://central.test:27017/' },
    databases: [{ name: 'pos' }],
    api: { port: 0 },
  });
  fakes.supervisorStart = undefined;
  fakes.supervisorStarts = 0;
  fakes.engine = undefined;
  // The quit handler listens for signals; keep the test runner's own handlers apart.
  vi.spyOn(process, 'on').mockImplementation(() => process);
});

afterEach(async () => {
  // Stop what the test left running (its timers, its handler set) the way the app would.
  if (app.listenerCount('before-quit') > 0 && app.exitCodes.length === 0) {
    app.quit();
    await exited();
  }
  process.argv = argv;
  vi.restoreAllMocks();
  await rm(userData, { recursive: true, force: true });
});

/** Runs electron/main.ts as the app would: a fresh module instance per test. */
async function launch(): Promise<void> {
  run++;
  const entry = `./main.js?run=${run}`;
  (await import(/* @vite-ignore */ entry)) as unknown;
}

async function started() {
  await vi.waitFor(() => expect(BrowserWindow.instances[0]?.loadedUrl).toBeDefined(), {
    timeout: 5_000,
  });
  const window = BrowserWindow.instances[0];
  const tray = Tray.instances[0];
  if (!window || !tray) throw new Error('the app did not open its window and tray');
  return { window, tray };
}

function menuItem(tray: Tray, label: RegExp): MenuItem {
  const item = tray.menu?.items.find((entry) => label.test(entry.label ?? ''));
  if (!item) throw new Error(`no tray item ${String(label)}`);
  return item;
}

async function exited() {
  await vi.waitFor(() => expect(app.exitCodes).toHaveLength(1), { timeout: 5_000 });
}

describe('electron/main.ts', () => {
  it('starts the core, then opens the hardened window, the bridge and the tray', async () => {
    await launch();
    const { window, tray } = await started();
    expect(fakes.supervisorStarts).toBe(1);
    expect(window.loadedUrl).toBe('app://outpost/index.html');
    expect(window.options['webPreferences']).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
    });
    expect(String((window.options['webPreferences'] as { preload: string }).preload)).toMatch(
      /preload\.cjs$/,
    );
    expect(window.visible).toBe(true);
    expect(protocol.privileged).toEqual([expect.objectContaining({ scheme: 'app' }) as unknown]);
    expect(protocol.handlers.has('app')).toBe(true);
    expect([...ipcMain.handlers.keys()]).toEqual([BRIDGE_CHANNELS.invoke]);
    await vi.waitFor(() => expect(tray.tooltip).toBe('Outpost — in sync · 4 pending'));
    expect(tray.image.file).toMatch(/resources\/icons\/tray-in-sync\.png$/);
  });

  it('a second launch quits at once and the first shows its window', async () => {
    await launch();
    const { window } = await started();
    window.hide();
    app.emit('second-instance', {}, ['outpost'], '/');
    expect(window.visible && window.focused).toBe(true);

    resetFakeElectron();
    app.singleInstanceLock = false;
    const startsBefore = fakes.supervisorStarts;
    await launch();
    expect(app.quitCount).toBe(1);
    expect(BrowserWindow.instances).toHaveLength(0);
    expect(Tray.instances).toHaveLength(0);
    expect(fakes.supervisorStarts).toBe(startsBefore);
  });

  it('quits once: engine stopped, then mongod, then exit', async () => {
    await launch();
    const { window } = await started();
    calls.length = 0;
    app.quit();
    app.quit();
    app.fire('before-quit');
    await exited();
    expect(app.exitCodes).toEqual([0]);
    const order = calls.filter((call) => /engine\.stop|mongod\.stop|app\.exit/.test(call));
    expect(order).toEqual(['engine.stop', 'mongod.stop', 'app.exit:0']);
    expect(calls.indexOf('api.close')).toBeLessThan(calls.indexOf('engine.stop'));
    expect(calls.indexOf('tray.destroy')).toBeLessThan(calls.indexOf('app.exit:0'));
    expect(window.destroyed).toBe(true);
    expect(ipcMain.handlers.size).toBe(0);
  });

  it('a quit during start waits for mongod, then stops it, and opens no window', async () => {
    let release!: () => void;
    fakes.supervisorStart = () =>
      new Promise((resolve) => (release = () => resolve({ uri: LOCAL_URI })));
    await launch();
    await vi.waitFor(() => expect(fakes.supervisorStarts).toBe(1));
    app.quit();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(app.exitCodes).toEqual([]);
    release();
    await exited();
    expect(calls.filter((call) => /stop|exit/.test(call))).toEqual([
      'engine.stop',
      'mongod.stop',
      'app.exit:0',
    ]);
    expect(BrowserWindow.instances).toHaveLength(0);
  });

  it('says why when the core cannot start, and exits', async () => {
    fakes.supervisorStart = () =>
      Promise.reject(
        new OutpostError('MONGOD_BINARY_MISSING', 'No mongod binary found. Looked in: /x.'),
      );
    await launch();
    await exited();
    expect(app.exitCodes).toEqual([1]);
    expect(dialog.errors).toEqual([
      {
        title: 'Outpost could not start',
        content: expect.stringContaining('No mongod binary found') as unknown,
      },
    ]);
    expect(Tray.instances[0]?.image.file).toMatch(/tray-error\.png$/);
  });

  it('stops mongod when Windows ends the session (no quit event comes)', async () => {
    await launch();
    const { window } = await started();
    window.emit('session-end');
    await exited();
    expect(calls.filter((call) => /engine\.stop|mongod\.stop|app\.exit/.test(call))).toEqual([
      'engine.stop',
      'mongod.stop',
      'app.exit:0',
    ]);
  });

  it('takes its user data directory from OUTPOST_USER_DATA_DIR', async () => {
    const own = path.join(userData, 'own');
    vi.stubEnv('OUTPOST_USER_DATA_DIR', own);
    await launch();
    await started();
    expect(app.getPath('userData')).toBe(own);
    vi.unstubAllEnvs();
  });

  it('stays in the tray when started at login', async () => {
    process.argv = [...argv, '--hidden'];
    await launch();
    const { window } = await started();
    expect(window.visible).toBe(false);
  });

  it('runs the tray menu: copy, pause, start at login', async () => {
    await launch();
    const { tray } = await started();
    await vi.waitFor(() => expect(menuItem(tray, /^Pause sync$/).enabled).toBe(true));
    menuItem(tray, /^Copy local connection string$/).click?.({ checked: false });
    expect(clipboard.text).toBe(LOCAL_URI);
    menuItem(tray, /^Pause sync$/).click?.({ checked: false });
    await vi.waitFor(() => expect(menuItem(tray, /^Resume sync$/)).toBeDefined());
    expect(calls).toContain('engine.pause');
    menuItem(tray, /^Start Outpost at login$/).click?.({ checked: true });
    expect(fakes.settings.get('openAtLogin')).toBe(true);
  });

  it('notifies when a conflict starts waiting for the operator', async () => {
    await launch();
    await started();
    fakes.engine?.emitConflict({ db: 'pos', coll: 'products', id: 'sku-1' });
    await vi.waitFor(() => expect(Notification.shown).toHaveLength(1), { timeout: 3_000 });
    expect(Notification.shown[0]?.options.title).toBe('A sync conflict needs your decision');
    expect(Notification.shown[0]?.options.body).toContain('products "sku-1" (pos)');
  });
});
