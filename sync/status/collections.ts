import type { Db } from 'mongodb';
import type { EngineContext } from '../engine/context.js';
import { unlessStalled } from '../util/stall.js';

export interface CollectionStat {
  db: string;
  coll: string;
  direction: string;
  strategy: string;
  local: number | null;
  /** Documents in this site's scope at central; null when central was not asked or failed. */
  central: number | null;
  pending: number;
}

export interface CollectionStatsOptions {
  /** Central counts are `countDocuments` with the scope filter: cached this long. */
  centralTtlMs?: number;
  /** Bound on each central call, so a slow central never holds a status request. */
  centralTimeoutMs?: number;
}

/**
 * Per-collection counts: local (estimated, cheap), central (in this site's scope, cached) and
 * pending (outbox entries). Only collections the rules sync are listed.
 */
export class CollectionStats {
  private readonly cache = new Map<string, { at: number; count: number }>();
  private readonly ttlMs: number;
  private readonly timeoutMs: number;

  constructor(options: CollectionStatsOptions = {}) {
    this.ttlMs = options.centralTtlMs ?? 30_000;
    this.timeoutMs = options.centralTimeoutMs ?? 3_000;
  }

  async list(
    ctx: EngineContext,
    options: { db?: string | undefined; centralReachable: boolean },
  ): Promise<CollectionStat[]> {
    const databases = ctx.rules.databases.filter((db) => !options.db || db === options.db);
    const pending = await this.pending(ctx);
    const out: CollectionStat[] = [];
    for (const db of databases) {
      const names = await this.names(ctx, db, options.centralReachable);
      for (const coll of names) {
        const rule = ctx.rules.ruleFor(db, coll);
        if (!rule) continue;
        const [local, central] = await Promise.all([
          ctx.local
            .db(db)
            .collection(coll)
            .estimatedDocumentCount()
            .catch(() => null),
          options.centralReachable ? this.centralCount(ctx, db, coll) : Promise.resolve(null),
        ]);
        out.push({
          db,
          coll,
          direction: rule.direction,
          strategy: rule.strategy,
          local,
          central,
          pending: pending.get(`${db}.${coll}`) ?? 0,
        });
      }
    }
    return out;
  }

  private async names(ctx: EngineContext, db: string, centralReachable: boolean) {
    const listed = Object.keys(
      ctx.rules.input.databases.find((d) => d.name === db)?.collections ?? {},
    );
    const [local, central] = await Promise.all([
      collectionNames(ctx.local.db(db)),
      centralReachable
        ? collectionNames(ctx.central.db(db), this.timeoutMs).catch(() => [])
        : Promise.resolve([]),
    ]);
    return [...new Set([...listed, ...local, ...central])].sort();
  }

  private async centralCount(ctx: EngineContext, db: string, coll: string) {
    const key = `${db}.${coll}`;
    const cached = this.cache.get(key);
    if (cached && Date.now() - cached.at < this.ttlMs) return cached.count;
    try {
      // maxTimeMS bounds the count at central; the race bounds a connection that went silent
      // (the driver ignores `timeoutMS`).
      const count = await unlessStalled(
        ctx.central
          .db(db)
          .collection(coll)
          .countDocuments(ctx.rules.scopeFilter(db, coll), { maxTimeMS: this.timeoutMs }),
        this.timeoutMs + 1_000,
        `Counting ${db}.${coll} at central`,
      );
      this.cache.set(key, { at: Date.now(), count });
      return count;
    } catch (error) {
      ctx.logger.debug({ event: 'status.central-count-failed', db, coll, error });
      return null;
    }
  }

  private async pending(ctx: EngineContext): Promise<Map<string, number>> {
    const groups = await ctx.store.outbox
      .aggregate<{ _id: { db: string; coll: string }; n: number }>([
        { $group: { _id: { db: '$_id.db', coll: '$_id.coll' }, n: { $sum: 1 } } },
      ])
      .toArray();
    return new Map(groups.map((g) => [`${g._id.db}.${g._id.coll}`, g.n]));
  }
}

async function collectionNames(db: Db, timeoutMs?: number): Promise<string[]> {
  const listing = db.listCollections({ type: 'collection' }, { nameOnly: true }).toArray();
  const infos =
    timeoutMs === undefined
      ? await listing
      : await unlessStalled(listing, timeoutMs, `Listing ${db.databaseName}`);
  return infos.map((info) => info.name);
}
