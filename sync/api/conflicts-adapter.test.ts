import { ObjectId, type Document } from 'mongodb';
import { describe, expect, it } from 'vitest';
import type { ConflictAction, ConflictService } from '../conflicts/service.js';
import type { ConflictRecord } from '../conflicts/record.js';
import { isOutpostError } from '../errors.js';
import { apiConflictService } from './conflicts-adapter.js';

const ID = new ObjectId('65a1b2c3d4e5f60718293a4b');
const autoArgs: unknown[] = [];

function fakeService(calls: { id: string; action: ConflictAction }[]): ConflictService {
  return {
    list: () => Promise.resolve([]),
    get: () => Promise.resolve(null),
    resolve(id, action) {
      calls.push({ id, action });
      const outcome = action.keep;
      return Promise.resolve({
        _id: ID,
        state: 'resolved',
        resolution: { outcome, by: 'operator', doc: null, v: null, at: new Date() },
      } as ConflictRecord);
    },
    autoResolve: (options) => {
      autoArgs.push(options);
      return Promise.resolve({ resolved: 2, skipped: 1, failed: 0, remaining: 3 });
    },
  };
}

describe('apiConflictService', () => {
  it('hands the operator decision to the engine, a merged document as BSON', async () => {
    const calls: { id: string; action: ConflictAction }[] = [];
    const api = apiConflictService(() => fakeService(calls));
    expect(await api.resolve({ id: ID.toHexString(), keep: 'central' })).toEqual({
      id: ID.toHexString(),
      state: 'resolved',
      outcome: 'central',
    });
    await api.resolve({
      id: ID.toHexString(),
      keep: 'merged',
      doc: { _id: 's1', at: { $date: '2030-01-01T00:00:00Z' }, qty: 3 },
    });
    const merged = calls[1]?.action as { keep: 'merged'; doc: Document };
    expect(merged.keep).toBe('merged');
    expect(merged.doc['at']).toEqual(new Date('2030-01-01T00:00:00Z'));
    expect(merged.doc['qty']).toBe(3);
    await api.resolve({ id: ID.toHexString(), keep: 'renamed', field: 'sku', value: 'A-1-b' });
    expect(calls[2]?.action).toEqual({ keep: 'renamed', field: 'sku', value: 'A-1-b' });
    expect(await api.autoResolve({ strategy: 'lww', max: 500 })).toEqual({
      resolved: 2,
      skipped: 1,
      failed: 0,
      remaining: 3,
    });
    expect(autoArgs).toEqual([{ strategy: 'lww', max: 500 }]);
  });

  it('refuses with INVALID_STATE while the engine has no service yet', async () => {
    const api = apiConflictService(() => undefined);
    const error = await api.autoResolve({}).catch((e: unknown) => e);
    expect(isOutpostError(error, 'INVALID_STATE')).toBe(true);
  });

  it('says the settings changed when the engine was replaced during a decision', async () => {
    const failing = (): ConflictService => ({
      ...fakeService([]),
      resolve: () => Promise.reject(new Error('Topology is closed')),
    });
    let engine = failing();
    const replaced = apiConflictService(() => engine);
    const call = replaced.resolve({ id: ID.toHexString(), keep: 'central' });
    engine = failing();
    const error = await call.catch((caught: unknown) => caught);
    expect(isOutpostError(error) && error.code).toBe('INVALID_STATE');
    expect((error as Error).message).toContain('The settings changed meanwhile');
    // The same engine: its error as it is.
    const same = failing();
    const kept = await apiConflictService(() => same)
      .resolve({ id: ID.toHexString(), keep: 'central' })
      .catch((caught: unknown) => caught);
    expect((kept as Error).message).toBe('Topology is closed');
  });
});
