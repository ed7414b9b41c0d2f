import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import machineIdPkg from 'node-machine-id';
import { describe, expect, it } from 'vitest';
import { expectOutpostError, useTempDir } from '../config/test-helpers.js';
import { ErrorCode } from '../errors.js';
import {
  DEFAULT_IDENTITY_SALT,
  deriveInstanceId,
  machineHashOf,
  resolveInstanceId,
} from './instance-id.js';
import type { InstanceIdentityRecord } from './record.js';
import { createFileIdentityStore, type IdentityStore } from './store.js';

const tempDir = useTempDir('outpost-identity-');

/** An in-memory store that counts writes, so "no write" can be asserted. */
function memoryStore(initial?: unknown) {
  const state = { value: initial, writes: 0 };
  const store: IdentityStore = {
    read: () => Promise.resolve(state.value),
    write: (value: InstanceIdentityRecord) => {
      state.value = structuredClone(value);
      state.writes++;
      return Promise.resolve();
    },
    describe: () => 'the test store',
  };
  return { store, state };
}

const at = (iso: string) => () => new Date(iso);

describe('resolveInstanceId', () => {
  it('creates and stores an identity on first run', async () => {
    const { store, state } = memoryStore();
    const identity = await resolveInstanceId({
      store,
      machineId: () => 'machine-a',
      now: at('2025-01-02T03:04:05.000Z'),
    });
    expect(identity.changed).toBe('created');
    expect(identity.instanceId).toMatch(/^op-[0-9a-hjkmnp-tv-z]{20}$/);
    expect(identity.machineHash).toBe(machineHashOf('machine-a'));
    expect(identity.createdAt).toBe('2025-01-02T03:04:05.000Z');
    expect(identity.history).toEqual([]);
    expect(state.writes).toBe(1);
    expect(state.value).toEqual({
      instanceId: identity.instanceId,
      machineHash: identity.machineHash,
      createdAt: identity.createdAt,
      history: [],
    });
    // The raw machine ID is never stored.
    expect(JSON.stringify(state.value)).not.toContain('machine-a');
  });

  it('returns the stored identity on the same machine without writing', async () => {
    const { store, state } = memoryStore();
    const first = await resolveInstanceId({ store, machineId: () => 'machine-a' });
    const second = await resolveInstanceId({
      store,
      machineId: () => Promise.resolve('machine-a'),
      now: at('2030-01-01T00:00:00.000Z'),
    });
    expect(second.instanceId).toBe(first.instanceId);
    expect(second.createdAt).toBe(first.createdAt);
    expect(second.changed).toBeUndefined();
    expect(state.writes).toBe(1);
  });

  it('makes a new ID after a clone to another machine and keeps the old one in history', async () => {
    const { store, state } = memoryStore();
    const original = await resolveInstanceId({
      store,
      machineId: () => 'machine-a',
      now: at('2025-01-01T00:00:00.000Z'),
    });
    const clone = await resolveInstanceId({
      store,
      machineId: () => 'machine-b',
      now: at('2025-06-01T00:00:00.000Z'),
    });
    expect(clone.changed).toBe('machine-changed');
    expect(clone.instanceId).not.toBe(original.instanceId);
    expect(clone.machineHash).toBe(machineHashOf('machine-b'));
    expect(clone.history).toEqual([
      {
        instanceId: original.instanceId,
        machineHash: original.machineHash,
        createdAt: '2025-01-01T00:00:00.000Z',
        retiredAt: '2025-06-01T00:00:00.000Z',
        reason: 'machine-changed',
      },
    ]);
    expect(state.writes).toBe(2);
    expect(state.value).toMatchObject({ instanceId: clone.instanceId, history: clone.history });

    // Back on the first machine (the image restored there): a third ID, not the first one again.
    const back = await resolveInstanceId({
      store,
      machineId: () => 'machine-a',
      now: at('2025-07-01T00:00:00.000Z'),
    });
    expect(back.instanceId).not.toBe(original.instanceId);
    expect(back.history.map((entry) => entry.instanceId)).toEqual([
      original.instanceId,
      clone.instanceId,
    ]);
  });

  it('derives IDs from the machine, the creation time and the salt', () => {
    const id = deriveInstanceId('m', '2025-01-01T00:00:00.000Z');
    expect(deriveInstanceId('m', '2025-01-01T00:00:00.000Z', DEFAULT_IDENTITY_SALT)).toBe(id);
    expect(deriveInstanceId('m', '2025-01-01T00:00:00.001Z')).not.toBe(id);
    expect(deriveInstanceId('n', '2025-01-01T00:00:00.000Z')).not.toBe(id);
    expect(deriveInstanceId('m', '2025-01-01T00:00:00.000Z', 'other-salt')).not.toBe(id);
    expect(machineHashOf('m')).toMatch(/^[0-9a-f]{64}$/);
    expect(machineHashOf('m', 'other-salt')).not.toBe(machineHashOf('m'));
  });

  it.each([
    ['a string', 'not json'],
    ['a record missing fields', { instanceId: 'op-0123456789abcdefghjk' }],
    [
      'a bad machine hash',
      {
        instanceId: 'op-0123456789abcdefghjk',
        machineHash: 'xyz',
        createdAt: '2025-01-01T00:00:00.000Z',
        history: [],
      },
    ],
    ['null', null],
  ])('refuses a store holding %s, without writing to it', async (_label, garbage) => {
    const { store, state } = memoryStore(garbage);
    const error = await expectOutpostError(
      resolveInstanceId({ store, machineId: () => 'machine-a' }),
      ErrorCode.IdentityStoreInvalid,
    );
    expect(error.message).toContain('The test store does not hold a valid instance identity');
    expect(error.details).toMatchObject({ location: 'the test store' });
    expect(state.writes).toBe(0);
    expect(state.value).toEqual(garbage);
  });

  it('reports a machine ID that cannot be read', async () => {
    const { store, state } = memoryStore();
    const error = await expectOutpostError(
      resolveInstanceId({
        store,
        machineId: () => {
          throw new Error('reg.exe not found');
        },
      }),
      ErrorCode.MachineIdUnavailable,
    );
    expect(error.message).toContain('reg.exe not found');
    await expectOutpostError(
      resolveInstanceId({ store, machineId: () => '  ' }),
      ErrorCode.MachineIdUnavailable,
    );
    expect(state.writes).toBe(0);
  });
});

describe('resolveInstanceId with the file store', () => {
  it('persists across runs in a 0600 file', async () => {
    const file = path.join(await tempDir(), 'state', 'identity.json');
    const first = await resolveInstanceId({
      store: createFileIdentityStore(file),
      machineId: () => 'machine-a',
    });
    const second = await resolveInstanceId({
      store: createFileIdentityStore(file),
      machineId: () => 'machine-a',
    });
    expect(second).toEqual({ ...first, changed: undefined });
    if (process.platform !== 'win32') expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('leaves a garbage file exactly as it was', async () => {
    const file = path.join(await tempDir(), 'identity.json');
    const garbage = '{"instanceId": "op-123", ';
    await writeFile(file, garbage);
    const before = await stat(file);
    const error = await expectOutpostError(
      resolveInstanceId({ store: createFileIdentityStore(file), machineId: () => 'machine-a' }),
      ErrorCode.IdentityStoreInvalid,
    );
    expect(error.message).toContain(
      `The identity file ${file} is not valid JSON (unexpected end of file at line 1`,
    );
    expect(await readFile(file, 'utf8')).toBe(garbage);
    expect((await stat(file)).mtimeMs).toBe(before.mtimeMs);
  });

  it('leaves a well-formed JSON file with the wrong shape as it was', async () => {
    const file = path.join(await tempDir(), 'identity.json');
    const content = JSON.stringify({ id: 42 });
    await writeFile(file, content);
    const error = await expectOutpostError(
      resolveInstanceId({ store: createFileIdentityStore(file), machineId: () => 'machine-a' }),
      ErrorCode.IdentityStoreInvalid,
    );
    expect(error.message).toContain(
      `The identity file ${file} does not hold a valid instance identity (instanceId:`,
    );
    expect(await readFile(file, 'utf8')).toBe(content);
  });
});

describe('resolveInstanceId with the real machine ID', () => {
  // node-machine-id shells out (reg.exe, ioreg) or reads /var/lib/dbus/machine-id or
  // /etc/machine-id; a minimal container may have none of them.
  let realMachineId: string | undefined;
  let reason = '';
  try {
    realMachineId = machineIdPkg.machineIdSync(true);
  } catch (error) {
    reason = error instanceof Error ? error.message : String(error);
  }

  it.skipIf(realMachineId === undefined)(
    `uses node-machine-id's machineIdSync(true)${reason ? ` (skipped: no machine ID here: ${reason})` : ''}`,
    async () => {
      const file = path.join(await tempDir(), 'identity.json');
      const machineId = () => machineIdPkg.machineIdSync(true);
      const first = await resolveInstanceId({ store: createFileIdentityStore(file), machineId });
      const second = await resolveInstanceId({ store: createFileIdentityStore(file), machineId });
      expect(first.changed).toBe('created');
      expect(second.instanceId).toBe(first.instanceId);
      expect(second.changed).toBeUndefined();
      expect(first.machineHash).toBe(machineHashOf(realMachineId ?? ''));
    },
  );
});
