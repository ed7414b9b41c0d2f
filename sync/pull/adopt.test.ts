import { Timestamp } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { compareVersions, formatVersion } from '../engine/hlc.js';
import { ADOPTED_ORIGIN, adoptedVersion, isForeignWrite } from './adopt.js';
import type { Inbound } from './apply-inbound.js';

const at = (t: number, i: number) => new Timestamp({ t, i });
const item = (sync?: Record<string, unknown>): Inbound => ({
  coll: 'products',
  id: 'p1',
  doc: { _id: 'p1', price: 7, ...(sync ? { _sync: sync } : {}) },
  v: (sync?.['v'] as string | undefined) ?? null,
});
const stamped = { v: '1796626271045-000000-site-a', o: 'site-a', ct: at(100, 1) };

describe('isForeignWrite', () => {
  it('takes an update that left _sync alone', () => {
    const event = {
      operationType: 'update',
      clusterTime: at(100, 5),
      updateDescription: { updatedFields: { price: 7 }, removedFields: ['name'] },
    };
    expect(isForeignWrite(event, item(stamped))).toBe(true);
  });

  it("leaves Outpost's own updates, whether _sync changed whole or field by field", () => {
    for (const updatedFields of [
      { price: 7, _sync: { v: 'x' } },
      { '_sync.v': 'x', '_sync.ct': at(100, 4) },
    ]) {
      const event = {
        operationType: 'update',
        clusterTime: at(100, 5),
        updateDescription: { updatedFields },
      };
      expect(isForeignWrite(event, item(stamped))).toBe(false);
    }
  });

  it('leaves an update whose looked-up document was stamped after it', () => {
    const event = {
      operationType: 'update',
      clusterTime: at(100, 5),
      updateDescription: { updatedFields: { price: 7 } },
    };
    expect(isForeignWrite(event, item({ ...stamped, ct: at(100, 6) }))).toBe(false);
    expect(isForeignWrite(event, item({ ...stamped, ct: at(100, 5) }))).toBe(false);
  });

  it('takes any document without a version, and never a delete', () => {
    expect(isForeignWrite({ operationType: 'insert' }, item())).toBe(true);
    expect(isForeignWrite({ operationType: 'replace' }, item({ o: 'x' }))).toBe(true);
    expect(isForeignWrite({ operationType: 'replace' }, item(stamped))).toBe(false);
    expect(isForeignWrite({ operationType: 'delete' }, { ...item(), doc: null })).toBe(false);
  });
});

describe('adoptedVersion', () => {
  it('is dated when central took the write, after the version it replaces, the same on every site', () => {
    const before = formatVersion({ l: 1_000, c: 3 }, 'site-a');
    const v = adoptedVersion(before, 2_000);
    expect(v).toBe(formatVersion({ l: 2_000, c: 0 }, ADOPTED_ORIGIN));
    expect(adoptedVersion(before, 2_000)).toBe(v);
    expect(compareVersions(v, before)).toBe(1);
  });

  it('still sorts after the version it replaces when that one is ahead of the wall clock', () => {
    const ahead = formatVersion({ l: 5_000, c: 3 }, 'site-a');
    expect(adoptedVersion(ahead, 2_000)).toBe(formatVersion({ l: 5_000, c: 4 }, ADOPTED_ORIGIN));
    const full = formatVersion({ l: 5_000, c: 999_999 }, 'site-a');
    expect(compareVersions(adoptedVersion(full, 2_000), full)).toBe(1);
    expect(adoptedVersion(null, 2_000)).toBe(formatVersion({ l: 2_000, c: 0 }, ADOPTED_ORIGIN));
  });
});
