import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../sync/logging/logger.js';
import { EventEmitter } from 'node:events';
import { claimSingleInstance, handleQuit, quitOnSystemShutdown } from './lifecycle.js';
import { app, calls, powerMonitor, resetFakeElectron } from './testing/fake-electron.js';

vi.mock('electron', () => import('./testing/fake-electron.js'));

beforeEach(() => resetFakeElectron());
afterEach(() => vi.useRealTimers());

describe('claimSingleInstance', () => {
  it('lets the first instance run and tells it about later launches', () => {
    const onSecond = vi.fn();
    expect(claimSingleInstance(app as never, onSecond)).toBe(true);
    app.emit('second-instance', {}, ['outpost'], '/');
    expect(onSecond).toHaveBeenCalledOnce();
  });

  it('turns a second instance away without listening for others', () => {
    app.singleInstanceLock = false;
    const onSecond = vi.fn();
    expect(claimSingleInstance(app as never, onSecond)).toBe(false);
    expect(app.listenerCount('second-instance')).toBe(0);
  });
});

describe('handleQuit', () => {
  function deferred() {
    let resolve!: () => void;
    let reject!: (error: unknown) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  }

  it('holds the quit until shutdown completes, runs it once, then exits', async () => {
    const stop = deferred();
    const shutdown = vi.fn(() => {
      calls.push('shutdown');
      return stop.promise;
    });
    const control = handleQuit({ app: app as never, shutdown, logger: silentLogger() });
    expect(control.isQuitting()).toBe(false);

    app.quit();
    app.quit();
    expect(app.fire('before-quit').defaultPrevented).toBe(true);
    expect(control.isQuitting()).toBe(true);
    await Promise.resolve();
    expect(shutdown).toHaveBeenCalledOnce();
    expect(app.exitCodes).toEqual([]);

    stop.resolve();
    await control.shutdown();
    expect(app.exitCodes).toEqual([0]);
    expect(calls).toEqual(['app.quit', 'shutdown', 'app.quit', 'app.exit:0']);
    // Nothing more happens on later quits.
    app.quit();
    await control.shutdown();
    expect(shutdown).toHaveBeenCalledOnce();
    expect(app.exitCodes).toEqual([0]);
  });

  it('exits with 1 when the shutdown fails', async () => {
    const control = handleQuit({
      app: app as never,
      shutdown: () => Promise.reject(new Error('mongod would not stop')),
      logger: silentLogger(),
    });
    app.quit();
    await control.shutdown();
    expect(app.exitCodes).toEqual([1]);
  });

  it('exits anyway when the shutdown hangs', async () => {
    vi.useFakeTimers();
    const control = handleQuit({
      app: app as never,
      shutdown: () => new Promise<void>(() => undefined),
      logger: silentLogger(),
      timeoutMs: 1_000,
    });
    app.quit();
    await vi.advanceTimersByTimeAsync(999);
    expect(app.exitCodes).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await control.shutdown();
    expect(app.exitCodes).toEqual([1]);
  });
});

describe('quitOnSystemShutdown', () => {
  it('holds an OS shutdown and quits cleanly; SIGTERM and SIGINT quit too', () => {
    const signals = new EventEmitter();
    quitOnSystemShutdown({
      app: app,
      powerMonitor: powerMonitor as never,
      process: signals as never,
      logger: silentLogger(),
    });
    expect(powerMonitor.fire('shutdown').defaultPrevented).toBe(true);
    expect(app.quitCount).toBe(1);
    signals.emit('SIGTERM');
    signals.emit('SIGINT');
    expect(app.quitCount).toBe(3);
  });
});
