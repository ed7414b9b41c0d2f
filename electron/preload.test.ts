import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { build } from 'vite';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { BridgeContract, EngineState } from '../sync/api/contract.js';
import { BRIDGE_CHANNELS } from './bridge-channels.js';
import { exposed, ipcRenderer } from './testing/fake-electron.js';

vi.mock('electron', () => import('./testing/fake-electron.js'));

// Loading the preload exposes the bridge, as it does in the renderer.
await import('./preload.js');
const bridge = exposed.get('outpost') as BridgeContract;

const idle: EngineState = { name: 'idle', since: '2030-01-01T00:00:00.000Z' };

beforeEach(() => {
  ipcRenderer.removeAllListeners();
  ipcRenderer.invocations = [];
  ipcRenderer.reply = () => ({ ok: true, result: null });
});

/** What the main process sends on the event channel. */
function emit(name: string, payload: unknown) {
  ipcRenderer.emit(BRIDGE_CHANNELS.event, {}, name, payload);
}

describe('the preload bridge', () => {
  it('exposes window.outpost with exactly invoke and on, once', () => {
    expect([...exposed.keys()]).toEqual(['outpost']);
    expect(Object.keys(bridge).sort()).toEqual(['invoke', 'on']);
    for (const value of Object.values(bridge)) expect(typeof value).toBe('function');
    expect(Object.values(bridge)).not.toContain(ipcRenderer);
  });

  it('invokes every call on the one channel, with name and args', async () => {
    ipcRenderer.reply = (_channel, name) => ({ ok: true, result: { answered: name } });
    expect(await bridge.invoke('conflicts:list', { limit: 5 })).toEqual({
      answered: 'conflicts:list',
    });
    await bridge.invoke('sync:pause', undefined);
    expect(ipcRenderer.invocations).toEqual([
      [BRIDGE_CHANNELS.invoke, 'conflicts:list', { limit: 5 }],
      [BRIDGE_CHANNELS.invoke, 'sync:pause', undefined],
    ]);
  });

  it('rejects with the plain {code, message, details} of a failure', async () => {
    const error = { code: 'INVALID_ARGS', message: 'Invalid arguments', details: { issues: [] } };
    ipcRenderer.reply = () => ({ ok: false, error });
    const caught: unknown = await bridge.invoke('sync:verify', {}).catch((e: unknown) => e);
    expect(caught).toEqual(error);
    // A plain object crosses contextBridge whole; an Error would arrive as its message only.
    expect(caught).not.toBeInstanceOf(Error);
  });

  it('rejects a reply that is not a bridge reply', async () => {
    ipcRenderer.reply = () => 'surprise';
    await expect(bridge.invoke('app:get-info', undefined)).rejects.toMatchObject({
      code: 'INTERNAL',
    });
  });

  it('delivers only the subscribed event, until unsubscribed', () => {
    const errors: unknown[] = [];
    const off = bridge.on('app:error-raised', (payload) => errors.push(payload));
    emit('sync:status-changed', { state: idle });
    emit('app:error-raised', { code: 'INTERNAL', message: 'disk full' });
    expect(errors).toEqual([{ code: 'INTERNAL', message: 'disk full' }]);
    off();
    emit('app:error-raised', { code: 'INTERNAL', message: 'again' });
    expect(errors).toHaveLength(1);
    expect(ipcRenderer.listenerCount(BRIDGE_CHANNELS.event)).toBe(0);
  });

  it('gives a new status listener the current state, unless a change came first', async () => {
    ipcRenderer.reply = (_channel, name) =>
      name === 'sync:get-status'
        ? { ok: true, result: { state: idle } }
        : { ok: true, result: null };
    const states: unknown[] = [];
    const off = bridge.on('sync:status-changed', (payload) => states.push(payload.state.name));
    await vi.waitFor(() => expect(states).toEqual(['idle']));
    off();

    const raced: unknown[] = [];
    bridge.on('sync:status-changed', (payload) => raced.push(payload.state.name));
    emit('sync:status-changed', { state: { name: 'syncing', since: idle.since } });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(raced).toEqual(['syncing']);
  });

  it('never blocks the renderer and imports nothing the sandbox lacks', () => {
    const source = readFileSync(new URL('./preload.ts', import.meta.url), 'utf8');
    expect(source).not.toMatch(/\.sendSync\(/);
    // The sandboxed preload may require only electron; the rest is bundled or type-only.
    const runtimeImports = [...source.matchAll(/^import (?!type )[^;]*? from '([^']+)'/gms)].map(
      (match) => match[1],
    );
    expect(runtimeImports).toEqual(['electron', './bridge-channels.js']);
  });
});

describe('the preload bundle (dist/electron/preload.cjs)', () => {
  it('runs as a sandboxed preload: a script that may require electron and nothing else', async () => {
    const outDir = await mkdtemp(path.join(os.tmpdir(), 'outpost-preload-'));
    try {
      await build({
        configFile: new URL('./preload.vite.config.ts', import.meta.url).pathname,
        build: { outDir },
        logLevel: 'silent',
      });
      const code = await readFile(path.join(outDir, 'preload.cjs'), 'utf8');
      const required: string[] = [];
      const world = new Map<string, unknown>();
      const electron = {
        contextBridge: { exposeInMainWorld: (key: string, api: unknown) => world.set(key, api) },
        ipcRenderer,
      };
      // Stricter than Electron's sandbox wrapper: a `require` that loads electron, and nothing else.
      vm.runInNewContext(code, {
        require: (id: string) => {
          required.push(id);
          if (id !== 'electron') throw new Error(`the sandbox cannot require ${id}`);
          return electron;
        },
      });
      expect(required).toEqual(['electron']);
      expect(Object.keys(world.get('outpost') as object).sort()).toEqual(['invoke', 'on']);
      ipcRenderer.reply = () => ({ ok: true, result: { version: '1' } });
      const bundled = world.get('outpost') as BridgeContract;
      expect(await bundled.invoke('app:get-info', undefined)).toEqual({ version: '1' });
    } finally {
      await rm(outDir, { recursive: true, force: true });
    }
  });
});
