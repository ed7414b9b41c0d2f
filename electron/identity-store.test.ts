import type ElectronStore from 'electron-store';
import { describe, expect, it } from 'vitest';
import { ErrorCode, isOutpostError } from '../sync/errors.js';
import { resolveInstanceId } from '../sync/identity/index.js';
import { IDENTITY_KEY, createElectronIdentityStore, type KeyValueStore } from './identity-store.js';

/** Stands in for electron-store: same get/set/path surface, kept in memory. */
function plainStore(initial: Record<string, unknown> = {}) {
  const data = { ...initial };
  let sets = 0;
  const store: KeyValueStore = {
    path: '/home/user/.config/Outpost/config.json',
    get: (key) => data[key],
    set: (key, value) => {
      sets++;
      data[key] = JSON.parse(JSON.stringify(value)) as unknown;
    },
  };
  return { store, data, sets: () => sets };
}

// Compile-time check: a real electron-store instance fits the structural type.
export const acceptsElectronStore = (store: ElectronStore<{ identity?: unknown }>) =>
  createElectronIdentityStore(store);

describe('createElectronIdentityStore', () => {
  it('round-trips an identity under the identity key', async () => {
    const { store, data, sets } = plainStore({ windowBounds: { width: 800 } });
    const identityStore = createElectronIdentityStore(store);
    expect(await identityStore.read()).toBeUndefined();

    const first = await resolveInstanceId({ store: identityStore, machineId: () => 'machine-a' });
    expect(first.changed).toBe('created');
    expect(data[IDENTITY_KEY]).toEqual({
      instanceId: first.instanceId,
      machineHash: first.machineHash,
      createdAt: first.createdAt,
      history: [],
    });
    expect(data['windowBounds']).toEqual({ width: 800 });

    const again = await resolveInstanceId({
      store: createElectronIdentityStore(store),
      machineId: () => 'machine-a',
    });
    expect(again.instanceId).toBe(first.instanceId);
    expect(sets()).toBe(1);
  });

  it('names the settings file when the stored value is garbage, and keeps it', async () => {
    const { store, data, sets } = plainStore({ identity: 'garbage' });
    const error: unknown = await resolveInstanceId({
      store: createElectronIdentityStore(store),
      machineId: () => 'machine-a',
    }).catch((caught: unknown) => caught);
    expect(isOutpostError(error, ErrorCode.IdentityStoreInvalid)).toBe(true);
    expect((error as Error).message).toContain(
      'The app settings file /home/user/.config/Outpost/config.json (key "identity") does not hold a valid instance identity',
    );
    expect(data['identity']).toBe('garbage');
    expect(sets()).toBe(0);
  });

  it('turns a failed write into IDENTITY_STORE_NOT_WRITABLE', async () => {
    const store: KeyValueStore = {
      path: '/ro/config.json',
      get: () => undefined,
      set: () => {
        throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
      },
    };
    const error: unknown = await resolveInstanceId({
      store: createElectronIdentityStore(store),
      machineId: () => 'machine-a',
    }).catch((caught: unknown) => caught);
    expect(isOutpostError(error, ErrorCode.IdentityStoreNotWritable)).toBe(true);
    expect((error as Error).message).toContain('/ro/config.json');
  });
});
