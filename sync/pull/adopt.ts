import {
  type AnyBulkWriteOperation,
  type MongoBulkWriteError,
  type Document,
  type Filter,
  type Timestamp,
} from 'mongodb';
import type { EngineContext } from '../engine/context.js';
import { documentWriteErrors } from '../errors.js';
import { formatVersion, parseVersion } from '../engine/hlc.js';
import { VERSION_HISTORY } from '../push/central-ops.js';
import type { Inbound } from './apply-inbound.js';

/** `_sync.o` of a write another application made at central, once adopted. */
export const ADOPTED_ORIGIN = 'central';

/** What pull needs of a change event to tell whether Outpost made it. */
export interface ChangeFacts {
  operationType: string;
  clusterTime?: Timestamp | undefined;
  wallTime?: Date | undefined;
  updateDescription?: { updatedFields?: Document; removedFields?: string[] } | undefined;
}

/**
 * A write made at central by another application (head office's own tools): an update that left
 * `_sync` alone, or a document with no `_sync.v`. Sites would skip the first as a version they
 * already have, and a site's compare-and-swap push would then overwrite it without a conflict.
 * Such a write is adopted instead of applied: stamped at central with a new version (adoptWrites),
 * whose own event then reaches every site, the one that wrote the document last included, and
 * fails the push of any site edit made on the version before it, as a conflict.
 *
 * Not when the document has been stamped since the event (`_sync.ct` at or after it): the lookup
 * returned that later version, which is applied as usual.
 */
export function isForeignWrite(event: ChangeFacts, item: Inbound): boolean {
  if (!item.doc) return false;
  const sync = item.doc['_sync'] as { v?: unknown; ct?: Timestamp } | undefined;
  if (typeof sync?.v !== 'string') return true;
  if (event.operationType !== 'update') return false;
  const { updatedFields = {}, removedFields = [] } = event.updateDescription ?? {};
  const touched = [...Object.keys(updatedFields), ...removedFields];
  if (touched.some((field) => field === '_sync' || field.startsWith('_sync.'))) return false;
  return !(sync.ct && event.clusterTime && sync.ct.gte(event.clusterTime));
}

/**
 * The version given to an adopted write: after the one it replaces, at the time central took it.
 * The same on every site that adopts the same event, and compare-and-swap lets only one land.
 */
export function adoptedVersion(previous: string | null, wallTime: number): string {
  const before = previous ? parseVersion(previous) : undefined;
  if (!before || wallTime > before.l) return formatVersion({ l: wallTime, c: 0 }, ADOPTED_ORIGIN);
  return before.c < 999_999
    ? formatVersion({ l: before.l, c: before.c + 1 }, ADOPTED_ORIGIN)
    : formatVersion({ l: before.l + 1, c: 0 }, ADOPTED_ORIGIN);
}

export interface ForeignWrite {
  item: Inbound;
  wallTime: number;
}

/**
 * Stamps foreign writes at central, leaving their content as it is. A document whose version
 * changed meanwhile is left alone: whoever changed it stamped it. Returns the items that could not
 * be stamped for good (a validator at central refusing `_sync`, say): pull applies those as they
 * are, as it did before adoption. A network error throws, and the batch is read again.
 */
export async function adoptWrites(
  ctx: EngineContext,
  db: string,
  writes: ForeignWrite[],
): Promise<Inbound[]> {
  if (writes.length === 0) return [];
  const ops = writes.map(({ item, wallTime }) => adoptOp(item, wallTime));
  const byColl = new Map<string, number[]>();
  writes.forEach(({ item }, index) =>
    byColl.set(item.coll, [...(byColl.get(item.coll) ?? []), index]),
  );
  const refused: Inbound[] = [];
  let adopted = 0;
  for (const [coll, indexes] of byColl) {
    try {
      const result = await ctx.central
        .db(db)
        .collection(coll)
        .bulkWrite(
          indexes.map((i) => ops[i]!),
          { ordered: false },
        );
      adopted += result.modifiedCount;
    } catch (error) {
      const writeErrors = documentWriteErrors(error);
      if (!writeErrors) throw error;
      adopted += (error as MongoBulkWriteError).result.modifiedCount;
      for (const failed of writeErrors) {
        const item = writes[indexes[failed.index]!]!.item;
        ctx.logger.warn({
          event: 'pull.adopt-refused',
          db,
          coll,
          id: item.id,
          error: failed.errmsg,
        });
        refused.push(item);
      }
    }
  }
  if (adopted > 0) ctx.logger.info({ event: 'pull.adopted', db, count: adopted });
  return refused;
}

function adoptOp(item: Inbound, wallTime: number): AnyBulkWriteOperation {
  const v = adoptedVersion(item.v, wallTime);
  return {
    updateOne: {
      filter: {
        _id: item.id,
        '_sync.v': item.v ?? { $exists: false },
      } as Filter<Document>,
      update: [
        {
          $set: {
            '_sync.v': { $literal: v },
            '_sync.o': ADOPTED_ORIGIN,
            '_sync.h': {
              $slice: [
                { $concatArrays: [{ $ifNull: ['$_sync.h', []] }, [{ $literal: v }]] },
                -VERSION_HISTORY,
              ],
            },
            '_sync.ct': '$$CLUSTER_TIME',
          },
        },
      ],
    },
  };
}
