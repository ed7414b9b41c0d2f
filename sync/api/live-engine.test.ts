import { describe, expect, it } from 'vitest';
import type { EngineStatus, SyncEngine } from '../engine/create-engine.js';
import type { EngineState } from '../status/engine-state.js';
import { LiveEngine } from './live-engine.js';
import { localOnlyEngine } from './local-only-engine.js';

/** An engine that records what is done to it and lets the test emit its events. */
function fakeEngine(name: string, journal: string[], failStart = false) {
  const states = new Set<(state: EngineState) => void>();
  const conflicts = new Set<(key: { db: string; coll: string; id: unknown }) => void>();
  let state: EngineState = { name: 'stopped', since: '' };
  const set = (next: EngineState['name']) => {
    state = { name: next, since: '' } as EngineState;
    for (const listener of states) listener(state);
  };
  const engine: SyncEngine & { emitConflict(id: string): void } = {
    instanceId: 'site-1',
    context: undefined,
    conflicts: undefined,
    start: async () => {
      journal.push(`${name}.start`);
      set('starting');
      if (failStart) {
        set('error');
        throw new Error(`${name} cannot start`);
      }
      set('idle');
      await Promise.resolve();
    },
    stop: async () => {
      journal.push(`${name}.stop`);
      set('stopped');
      await Promise.resolve();
    },
    pause: () => Promise.resolve(),
    resume: () => Promise.resolve(),
    syncNow: () => journal.push(`${name}.syncNow`),
    caughtUp: () => ({}),
    status: () => Promise.resolve({ state } as EngineStatus),
    onStateChange: (listener) => {
      states.add(listener);
      return () => states.delete(listener);
    },
    onConflictOpened: (listener) => {
      conflicts.add(listener);
      return () => conflicts.delete(listener);
    },
    emitConflict: (id) => {
      for (const listener of conflicts) listener({ db: 'pos', coll: 'sales', id });
    },
  };
  return engine;
}

describe('LiveEngine', () => {
  it('stops the running engine before starting the next, and calls go to the new one', async () => {
    const journal: string[] = [];
    const first = fakeEngine('first', journal);
    const live = new LiveEngine(first);
    await live.start();
    const second = fakeEngine('second', journal);
    await live.replace(second);
    live.syncNow();
    expect(journal).toEqual(['first.start', 'first.stop', 'second.start', 'second.syncNow']);
    expect(live.current).toBe(second);
    expect((await live.status()).state.name).toBe('idle');
  });

  it('keeps its listeners across a replacement, and drops the old engine’s events', async () => {
    const journal: string[] = [];
    const first = fakeEngine('first', journal);
    const live = new LiveEngine(first);
    const states: string[] = [];
    const conflicts: unknown[] = [];
    live.onStateChange((state) => states.push(state.name));
    live.onConflictOpened((key) => conflicts.push(key.id));
    await live.start();
    const second = fakeEngine('second', journal);
    await live.replace(second);
    first.emitConflict('from-the-old-one');
    second.emitConflict('from-the-new-one');
    expect(conflicts).toEqual(['from-the-new-one']);
    expect(states).toEqual(['starting', 'idle', 'stopped', 'starting', 'idle']);
  });

  it('replaces a local-only engine, and leaves a new engine that fails in place with its error', async () => {
    const journal: string[] = [];
    const live = new LiveEngine(localOnlyEngine('site-1', 'No central.'));
    expect((await live.status()).state.name).toBe('local-only');
    const states: string[] = [];
    live.onStateChange((state) => states.push(state.name));
    await live.replace(localOnlyEngine('site-1', 'No database.'));
    // A local-only engine never changes state: the listeners are told once, by the replacement.
    expect(states).toEqual(['local-only']);
    await expect(live.replace(fakeEngine('broken', journal, true))).rejects.toThrow(
      'broken cannot start',
    );
    expect((await live.status()).state.name).toBe('error');
    // The next replacement still runs.
    await live.replace(fakeEngine('fixed', journal));
    expect((await live.status()).state.name).toBe('idle');
    expect(journal).toEqual(['broken.start', 'broken.stop', 'fixed.start']);
  });
});
