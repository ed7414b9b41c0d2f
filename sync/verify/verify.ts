/**
 * Verify and repair: compares each collection the site pulls (both ways or pull only) between the
 * local database and central, within this site's scope, by hashing ranges of `_id` (buckets.ts);
 * narrows differing ranges down to documents; judges each one (settle.ts, classify.ts) and with
 * `repair` fixes exactly the drift. A push-only collection is compared the other way: each of the
 * site's documents against central's with the same `_id` (central holds every site's there), and
 * the site's version is sent again where they differ. Local-only collections are not compared.
 *
 * Scope applies on both sides: a local document outside the site's scope is one central keeps but
 * never sends back, so there is nothing in scope to compare it with.
 */
import { BSON } from 'mongodb';
import type {
  VerifyCollectionReport,
  VerifyDifferenceView,
  VerifyReport,
  VerifyTotals,
} from '../api/views.js';
import type { EngineContext } from '../engine/context.js';
import { ErrorCode, OutpostError, isRetryable } from '../errors.js';
import {
  compareRanges,
  compareSiteSubset,
  type CompareRangesOptions,
  type RangeBound,
  type RangeSources,
  type SubsetSources,
} from './buckets.js';
import { settle, type Candidate, type Settled } from './settle.js';

export interface VerifyProgress {
  db: string;
  coll: string;
  /** Documents compared so far in this collection. */
  compared: number;
  /** 1-based position of the collection, of `collections`. */
  collection: number;
  collections: number;
}

export interface VerifyOptions {
  db?: string | undefined;
  /** Only these collections (in every database verified). */
  colls?: readonly string[] | undefined;
  repair?: boolean | undefined;
  signal?: AbortSignal | undefined;
  onProgress?: ((progress: VerifyProgress) => void) | undefined;
  /** Documents per hashed range; defaults to the pull batch size. */
  bucketSize?: number | undefined;
  /** Documents judged (and repaired) together after one capture barrier. */
  settleBatch?: number | undefined;
  /** Ids listed per collection in the report. */
  idLimit?: number | undefined;
}

const DEFAULT_ID_LIMIT = 100;
const DEFAULT_SETTLE_BATCH = 1_000;

export async function verifyCollections(
  ctx: EngineContext,
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  const startedAt = new Date().toISOString();
  const repair = options.repair ?? false;
  const targets = await selectCollections(ctx, options);
  await pingCentral(ctx);
  // Against another central than the site's bookkeeping belongs to, a document central lacks
  // would look deleted there, and repair would delete it here: the bookkeeping is re-bound first.
  for (const db of targets.keys()) await ctx.centralBinding.ready(db);
  const reports = new Map<string, CollectionTally>();
  const collections = countAll(targets);
  let position = 0;
  for (const [db, colls] of targets) {
    let candidates: Candidate[] = [];
    const judge = async () => {
      const settled = await settle(ctx, db, candidates, { repair, signal: options.signal });
      candidates = [];
      for (const item of settled) reports.get(`${db}.${item.coll}`)?.add(item);
    };
    for (const coll of colls) {
      position += 1;
      const tally = new CollectionTally(db, coll, options.idLimit ?? DEFAULT_ID_LIMIT);
      reports.set(`${db}.${coll}`, tally);
      const compareOptions: CompareRangesOptions = {
        bucketSize: options.bucketSize ?? ctx.tunables.pullBatchSize,
        signal: options.signal,
        onDifferences: async (differences) => {
          for (const difference of differences) candidates.push({ coll, id: difference.id });
          if (candidates.length >= (options.settleBatch ?? DEFAULT_SETTLE_BATCH)) await judge();
        },
        onBucket: ({ compared }) =>
          options.onProgress?.({
            db,
            coll,
            compared,
            collection: position,
            collections,
          }),
      };
      const result = ctx.rules.pulls(db, coll)
        ? await compareRanges(rangeSources(ctx, db, coll), compareOptions)
        : await compareSiteSubset(subsetSources(ctx, db, coll), compareOptions);
      tally.compared = result.compared;
    }
    await judge();
  }
  const done = [...reports.values()].map((tally) => tally.report());
  return {
    startedAt,
    finishedAt: new Date().toISOString(),
    repair,
    collections: done,
    totals: totalsOf(done),
  };
}

/** A push-only collection: the site's documents, and central's with the same `_id`s. */
function subsetSources(ctx: EngineContext, db: string, coll: string): SubsetSources {
  const batchSize = ctx.tunables.pullBatchSize;
  return {
    local: ctx.local.db(db).collection(coll).find().hint({ _id: 1 }).batchSize(batchSize),
    central: (ids) =>
      ctx.central
        .db(db)
        .collection(coll)
        .find({ _id: { $in: ids as never[] } })
        .toArray(),
  };
}

function rangeSources(ctx: EngineContext, db: string, coll: string): RangeSources {
  const scope = ctx.rules.scopeFilter(db, coll);
  const batchSize = ctx.tunables.pullBatchSize;
  return {
    // Both reads walk the _id index: bounded memory on the server, and the same order on both.
    central: ctx.central
      .db(db)
      .collection(coll)
      .find(scope)
      .hint({ _id: 1 })
      .sort({ _id: 1 })
      .batchSize(batchSize),
    // `min`/`max` with an _id hint bound the index scan across BSON types (max is exclusive);
    // a `$gte`/`$lt` filter would only compare within one type.
    local: (lo: RangeBound, hi: RangeBound) =>
      ctx.local
        .db(db)
        .collection(coll)
        .find(scope)
        .hint({ _id: 1 })
        .min({ _id: lo })
        .max({ _id: hi })
        .batchSize(batchSize),
  };
}

/**
 * Database -> collections to verify, in name order: those the site pulls that exist at the site
 * or at central. A name given that is not one of them is a usage error, not an empty report.
 */
async function selectCollections(
  ctx: EngineContext,
  options: VerifyOptions,
): Promise<Map<string, string[]>> {
  const { rules } = ctx;
  if (options.db !== undefined && !rules.databases.includes(options.db)) {
    throw new OutpostError(
      ErrorCode.InvalidArgs,
      `This site does not sync a database named "${options.db}" (it syncs: ${rules.databases.join(', ')}).`,
      { details: { db: options.db, databases: rules.databases } },
    );
  }
  const databases = options.db === undefined ? rules.databases : [options.db];
  const wanted = options.colls ? new Set(options.colls) : undefined;
  const targets = new Map<string, string[]>();
  for (const db of databases) {
    const names = new Set<string>();
    for (const client of [ctx.local, ctx.central]) {
      const listed = await client
        .db(db)
        .listCollections({ type: 'collection' }, { nameOnly: true })
        .toArray()
        .catch((error: unknown) => {
          throw client === ctx.central && isRetryable(error) ? centralUnreachable(error) : error;
        });
      // Push-only collections are compared at the site only: central holds other sites' too.
      const atSite = client === ctx.local;
      for (const { name } of listed)
        if (
          (rules.pulls(db, name) || (atSite && rules.pushes(db, name))) &&
          (!wanted || wanted.has(name))
        )
          names.add(name);
    }
    targets.set(db, [...names].sort());
  }
  const unknown = [...(wanted ?? [])].filter(
    (coll) => ![...targets.values()].some((colls) => colls.includes(coll)),
  );
  if (unknown.length > 0) {
    throw new OutpostError(
      ErrorCode.InvalidArgs,
      `Verify compares collections this site syncs; ${unknown.join(', ')} ` +
        `${unknown.length === 1 ? 'is' : 'are'} not one (not found, local-only or excluded).`,
      { details: { colls: unknown, databases } },
    );
  }
  return targets;
}

async function pingCentral(ctx: EngineContext): Promise<void> {
  try {
    await ctx.central.db('admin').command({ ping: 1 });
  } catch (error) {
    throw centralUnreachable(error);
  }
}

function centralUnreachable(error: unknown): OutpostError {
  const reason = error instanceof Error ? error.message : String(error);
  return new OutpostError(
    ErrorCode.CentralUnreachable,
    `Verify compares with central, which is not reachable now (${reason}). Try again once the site is online.`,
    { cause: error },
  );
}

function countAll(targets: Map<string, string[]>): number {
  let count = 0;
  for (const colls of targets.values()) count += colls.length;
  return count;
}

function toJson(id: unknown): unknown {
  return BSON.EJSON.serialize({ id }, { relaxed: true })['id'] as unknown;
}

/** The report of one collection, built as verdicts arrive; lists cut at `limit`. */
class CollectionTally {
  compared = 0;
  private differing = 0;
  private repaired = 0;
  private pending = 0;
  private truncated = false;
  private readonly ids: unknown[] = [];
  private readonly pendingIds: unknown[] = [];
  private readonly differences: VerifyDifferenceView[] = [];

  constructor(
    private readonly db: string,
    private readonly coll: string,
    private readonly limit: number,
  ) {}

  add(item: Settled): void {
    const { verdict } = item;
    if (verdict.kind === 'pending') {
      this.pending += 1;
      this.keep(this.pendingIds, toJson(item.id));
      return;
    }
    this.differing += 1;
    if (item.repaired) this.repaired += 1;
    this.keep(this.ids, toJson(item.id));
    this.keep(this.differences, {
      id: toJson(item.id),
      kind: verdict.drift,
      action: verdict.action,
      repaired: item.repaired,
    });
  }

  private keep<T>(list: T[], value: T): void {
    if (list.length < this.limit) list.push(value);
    else this.truncated = true;
  }

  report(): VerifyCollectionReport {
    return {
      db: this.db,
      coll: this.coll,
      compared: this.compared,
      differing: this.differing,
      repaired: this.repaired,
      ids: this.ids,
      pending: this.pending,
      pendingIds: this.pendingIds,
      differences: this.differences,
      truncated: this.truncated,
    };
  }
}

function totalsOf(collections: readonly VerifyCollectionReport[]): VerifyTotals {
  const sum = (pick: (report: VerifyCollectionReport) => number) =>
    collections.reduce((total, report) => total + pick(report), 0);
  const differing = sum((r) => r.differing);
  const repaired = sum((r) => r.repaired);
  return {
    collections: collections.length,
    compared: sum((r) => r.compared),
    differing,
    repaired,
    pending: sum((r) => r.pending),
    remaining: differing - repaired,
  };
}
