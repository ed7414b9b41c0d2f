import { MaxKey, MinKey, ObjectId, type Document } from 'mongodb';
import { describe, expect, it } from 'vitest';
import {
  bucketDigest,
  compareRanges,
  entryOf,
  type EntryDifference,
  type RangeSources,
} from './buckets.js';

/** Numeric _ids only; MinKey and MaxKey as the ends, like the server's index bounds. */
function rank(bound: unknown): number {
  if (bound instanceof MinKey) return -Infinity;
  if (bound instanceof MaxKey) return Infinity;
  return bound as number;
}

async function* iterate(docs: readonly Document[]): AsyncIterable<Document> {
  for (const doc of docs) yield await Promise.resolve(doc);
}

/** Sources over plain arrays; counts the local range reads. */
function sources(central: Document[], local: Document[]) {
  const sorted = (docs: Document[]) => [...docs].sort((a, b) => rank(a['_id']) - rank(b['_id']));
  const reads: [number, number][] = [];
  const result: RangeSources & { reads: typeof reads } = {
    reads,
    central: iterate(sorted(central)),
    local(lo, hi) {
      reads.push([rank(lo), rank(hi)]);
      // Any order within a range: reversed on purpose.
      const inRange = local.filter((d) => rank(d['_id']) >= rank(lo) && rank(d['_id']) < rank(hi));
      return iterate(inRange.reverse());
    },
  };
  return result;
}

async function run(central: Document[], local: Document[], bucketSize: number) {
  const src = sources(central, local);
  const chunks: EntryDifference[][] = [];
  const result = await compareRanges(src, {
    bucketSize,
    onDifferences: (differences) => {
      chunks.push(differences);
      return Promise.resolve();
    },
  });
  const differences = chunks.flat().sort((a, b) => rank(a.id) - rank(b.id));
  return { result, chunks, differences, reads: src.reads };
}

const docs = (ids: number[], extra: Document = {}) =>
  ids.map((id) => ({ _id: id, name: `item ${id}`, qty: id * 2, ...extra }));
const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('bucketDigest', () => {
  it('depends on the set, not on its order, and sees every change', () => {
    const entries = docs([1, 2, 3]).map(entryOf);
    expect(bucketDigest(entries)).toBe(bucketDigest([...entries].reverse()));
    expect(bucketDigest(entries)).not.toBe(bucketDigest(entries.slice(1)));
    const changed = docs([1, 2, 3]).map((d) => (d._id === 2 ? { ...d, qty: 5 } : d));
    expect(bucketDigest(changed.map(entryOf))).not.toBe(bucketDigest(entries));
    expect(bucketDigest([])).toBe(bucketDigest([]));
  });

  it('ignores key order and central’s _sync field, and keeps an ObjectId apart from its hex', () => {
    const a = entryOf({ _id: 1, a: 1, b: { c: 2, d: 3 } });
    const b = entryOf({ b: { d: 3, c: 2 }, _sync: { v: 'x', o: 'hq' }, a: 1, _id: 1 });
    expect(bucketDigest([a])).toBe(bucketDigest([b]));
    const oid = new ObjectId();
    expect(entryOf({ _id: oid }).key).not.toBe(entryOf({ _id: oid.toHexString() }).key);
  });
});

describe('compareRanges', () => {
  it('finds nothing when both sides hold the same documents, reading each range once', async () => {
    const central = docs(range(1, 23)).map((d) => ({ ...d, _sync: { v: `v${d._id}` } }));
    const { result, differences, reads } = await run(central, docs(range(1, 23)), 5);
    expect(differences).toEqual([]);
    expect(result).toEqual({ compared: 23, buckets: 5, differingBuckets: 0 });
    // Ranges tile the key space: MinKey..6, 6..11, 11..16, 16..21, 21..MaxKey.
    expect(reads).toEqual([
      [-Infinity, 6],
      [6, 11],
      [11, 16],
      [16, 21],
      [21, Infinity],
    ]);
  });

  it('names exactly the changed, missing and extra documents, wherever they fall', async () => {
    const central = docs(range(10, 40));
    const local = docs(range(10, 40))
      .filter((d) => d._id !== 17 && d._id !== 40) // missing locally
      .map((d) => (d._id === 25 ? { ...d, qty: -1 } : d)) // changed
      .concat(docs([1, 18.5, 99])); // extra: before the first, between two, after the last
    const { result, differences, reads } = await run(central, local, 4);
    expect(differences.map((d) => [d.id, kindOf(d)])).toEqual([
      [1, 'extra'],
      [17, 'missing'],
      [18.5, 'extra'],
      [25, 'changed'],
      [40, 'missing'],
      [99, 'extra'],
    ]);
    expect(result.compared).toBe(31 + 3);
    expect(result.buckets).toBe(8);
    // Only the differing ranges are read a second time to name the documents.
    expect(reads.length).toBe(result.buckets + result.differingBuckets);
    expect(result.differingBuckets).toBe(5); // 1 | 17 | 18.5 | 25 | 40 and 99: five ranges
  });

  it('streams differences in chunks of at most the bucket size (central empty, local large)', async () => {
    const { result, chunks, differences } = await run([], docs(range(1, 103)), 10);
    expect(differences).toHaveLength(103);
    expect(differences.every((d) => d.central === null && d.local !== null)).toBe(true);
    expect(Math.max(...chunks.map((c) => c.length))).toBeLessThanOrEqual(10);
    expect(result).toEqual({ compared: 103, buckets: 1, differingBuckets: 1 });
  });

  it('reports every central document as missing when the site has none', async () => {
    const { differences, result } = await run(docs(range(1, 12)), [], 5);
    expect(differences.map((d) => d.id)).toEqual(range(1, 12));
    expect(differences.every((d) => d.local === null)).toBe(true);
    expect(result.compared).toBe(12);
  });

  it('stops between buckets when aborted', async () => {
    const control = new AbortController();
    control.abort();
    await expect(
      compareRanges(sources(docs(range(1, 5)), []), {
        bucketSize: 2,
        signal: control.signal,
        onDifferences: () => Promise.resolve(),
      }),
    ).rejects.toThrow();
  });
});

function kindOf(d: EntryDifference): string {
  if (d.central === null) return 'extra';
  return d.local === null ? 'missing' : 'changed';
}
