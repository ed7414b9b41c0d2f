/**
 * Range hashing for verify: central's documents in `_id` order are cut into buckets of N; each
 * bucket is the `_id` range from its first document to the first document of the next bucket
 * (MinKey and MaxKey at the ends), so the buckets tile the whole key space and a local document
 * falls in exactly one of them whatever central holds. The local side of a range is read by the
 * server with an index-bounded query (`min`/`max` on `_id`), so ordering across BSON types is the
 * server's, never re-implemented here.
 *
 * Per bucket: one digest per side (order-independent, so neither side's read order matters), and
 * only when the digests differ a second read of the local range to name the documents. Memory
 * stays at one bucket of central entries plus what the caller buffers from `onDifferences`.
 */
import { createHash } from 'node:crypto';
import { MaxKey, MinKey, type Document } from 'mongodb';
import { idKey } from '../engine/apply.js';
import { contentHash } from '../engine/hash.js';

/** One document as verify compares it: its `_id`, a stable key of the `_id`, its content hash. */
export interface DocEntry {
  id: unknown;
  /** Canonical Extended JSON of `_id` (an ObjectId and its hex string stay distinct). */
  key: string;
  hash: string;
}

export function entryOf(doc: Document): DocEntry {
  const id: unknown = doc['_id'];
  return { id, key: idKey(id), hash: contentHash(doc) };
}

const DIGEST_BYTES = 20;

/**
 * Digest of a set of documents: XOR of sha1(key, hash) over the set, with the count. The XOR makes
 * it independent of order; `_id`s are unique within a collection, so nothing cancels out.
 */
export class BucketDigest {
  private readonly acc = Buffer.alloc(DIGEST_BYTES);
  count = 0;

  add(entry: DocEntry): void {
    const digest = createHash('sha1')
      .update(entry.key)
      .update('\u0000')
      .update(entry.hash)
      .digest();
    for (let i = 0; i < DIGEST_BYTES; i++) this.acc[i]! ^= digest[i]!;
    this.count += 1;
  }

  value(): string {
    return `${this.count}:${this.acc.toString('base64url')}`;
  }
}

export function bucketDigest(entries: Iterable<DocEntry>): string {
  const digest = new BucketDigest();
  for (const entry of entries) digest.add(entry);
  return digest.value();
}

/** One document that is not the same on both sides; a null hash: that side lacks it. */
export interface EntryDifference {
  id: unknown;
  key: string;
  local: string | null;
  central: string | null;
}

/**
 * Streams the local entries of a range against central's entries of it (a map by key, consumed):
 * returns the local documents that differ or central lacks, and leaves in `central` the ones the
 * site lacks.
 */
export async function diffRange(
  local: AsyncIterable<DocEntry>,
  central: Map<string, DocEntry>,
  emit: (difference: EntryDifference) => Promise<void>,
): Promise<number> {
  let localOnly = 0;
  for await (const entry of local) {
    const other = central.get(entry.key);
    if (other) central.delete(entry.key);
    else localOnly += 1;
    if (other?.hash !== entry.hash)
      await emit({ id: entry.id, key: entry.key, local: entry.hash, central: other?.hash ?? null });
  }
  for (const other of central.values())
    await emit({ id: other.id, key: other.key, local: null, central: other.hash });
  return localOnly;
}

export type RangeBound = unknown;

export interface RangeSources {
  /** Central's documents in this site's scope, in `_id` order (one streaming cursor). */
  central: AsyncIterable<Document>;
  /** Local documents with `lo <= _id < hi` (bounds may be MinKey / MaxKey), any order. */
  local(lo: RangeBound, hi: RangeBound): AsyncIterable<Document>;
}

export interface CompareRangesOptions {
  bucketSize: number;
  signal?: AbortSignal | undefined;
  /** Called with differences in chunks of at most `bucketSize`. */
  onDifferences(differences: EntryDifference[]): Promise<void>;
  /** After each bucket: documents compared so far. */
  onBucket?(progress: { compared: number; buckets: number }): void;
}

export interface CompareRangesResult {
  /** Distinct documents seen on either side. */
  compared: number;
  buckets: number;
  differingBuckets: number;
}

/** Compares one collection, bucket by bucket; see the file comment. */
export async function compareRanges(
  sources: RangeSources,
  options: CompareRangesOptions,
): Promise<CompareRangesResult> {
  const size = Math.max(1, options.bucketSize);
  const result: CompareRangesResult = { compared: 0, buckets: 0, differingBuckets: 0 };
  let pending: EntryDifference[] = [];
  const emit = async (difference: EntryDifference) => {
    pending.push(difference);
    if (pending.length >= size) await flush();
  };
  const flush = async () => {
    if (pending.length === 0) return;
    const chunk = pending;
    pending = [];
    await options.onDifferences(chunk);
  };
  const bucket = async (lo: RangeBound, hi: RangeBound, central: Map<string, DocEntry>) => {
    options.signal?.throwIfAborted();
    result.buckets += 1;
    const centralDigest = bucketDigest(central.values());
    const localDigest = new BucketDigest();
    for await (const doc of sources.local(lo, hi)) localDigest.add(entryOf(doc));
    if (localDigest.value() === centralDigest) {
      result.compared += central.size;
    } else {
      result.differingBuckets += 1;
      const centralCount = central.size;
      const localOnly = await diffRange(mapEntries(sources.local(lo, hi)), central, emit);
      result.compared += centralCount + localOnly;
    }
    options.onBucket?.({ compared: result.compared, buckets: result.buckets });
  };

  let lo: RangeBound = new MinKey();
  let current = new Map<string, DocEntry>();
  for await (const doc of sources.central) {
    if (current.size >= size) {
      const hi: unknown = doc['_id'];
      await bucket(lo, hi, current);
      lo = hi;
      current = new Map();
    }
    const entry = entryOf(doc);
    current.set(entry.key, entry);
  }
  await bucket(lo, new MaxKey(), current);
  await flush();
  return result;
}

async function* mapEntries(docs: AsyncIterable<Document>): AsyncIterable<DocEntry> {
  for await (const doc of docs) yield entryOf(doc);
}

/** Where `compareSiteSubset` reads: the site's documents in `_id` order, and central's by `_id`. */
export interface SubsetSources {
  local: AsyncIterable<Document>;
  central(ids: unknown[]): Promise<Document[]>;
}

/**
 * Compares a push-only collection: central holds every site's documents there, so only the site's
 * own are compared, a batch at a time, against central's documents with the same `_id`s. Reports
 * each one central lacks or holds with other content; what only central holds is not looked at.
 */
export async function compareSiteSubset(
  sources: SubsetSources,
  options: CompareRangesOptions,
): Promise<CompareRangesResult> {
  const size = Math.max(1, options.bucketSize);
  const result: CompareRangesResult = { compared: 0, buckets: 0, differingBuckets: 0 };
  let batch: DocEntry[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    options.signal?.throwIfAborted();
    const entries = batch;
    batch = [];
    const central = new Map(
      (await sources.central(entries.map((entry) => entry.id))).map((doc) => {
        const entry = entryOf(doc);
        return [entry.key, entry.hash];
      }),
    );
    const differences = entries
      .filter((entry) => central.get(entry.key) !== entry.hash)
      .map((entry) => ({
        id: entry.id,
        key: entry.key,
        local: entry.hash,
        central: central.get(entry.key) ?? null,
      }));
    result.buckets += 1;
    result.compared += entries.length;
    if (differences.length > 0) {
      result.differingBuckets += 1;
      await options.onDifferences(differences);
    }
    options.onBucket?.({ compared: result.compared, buckets: result.buckets });
  };
  for await (const doc of sources.local) {
    batch.push(entryOf(doc));
    if (batch.length >= size) await flush();
  }
  await flush();
  return result;
}
