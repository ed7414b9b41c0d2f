import type { AnyBulkWriteOperation, Document, Filter, Timestamp } from 'mongodb';
import { stripSync } from '../engine/hash.js';

/**
 * Central writes are update pipelines so that `_sync.ct` is the server's own commit time
 * ($$CLUSTER_TIME), which the checkpoint scan of pull relies on. The document is wrapped in
 * $literal so that values starting with "$" are data, not expressions.
 */
export function stamped(doc: Document, v: string, origin: string): Document[] {
  return [
    {
      $replaceWith: {
        $mergeObjects: [
          { $literal: stripSync(doc) },
          {
            _sync: {
              v: { $literal: v },
              o: { $literal: origin },
              // The last versions of this document: a site whose acknowledgement was lost can
              // tell that its write is in there, and merges counters from the right base.
              h: {
                $slice: [
                  { $concatArrays: [{ $ifNull: ['$_sync.h', []] }, [{ $literal: v }]] },
                  -VERSION_HISTORY,
                ],
              },
            },
          },
        ],
      },
    },
    { $set: { '_sync.ct': '$$CLUSTER_TIME' } },
  ];
}

export const VERSION_HISTORY = 8;

/** The versions a central document records: its own and the last ones before it. */
export function versionsOf(doc: Document): string[] {
  const sync = doc['_sync'] as { v?: unknown; h?: unknown } | undefined;
  const history = Array.isArray(sync?.h) ? sync.h.filter((v) => typeof v === 'string') : [];
  return typeof sync?.v === 'string' ? [...history, sync.v] : history;
}

/**
 * A document new to central, stamped, for a plain insert: a duplicate _id fails it. Several times
 * cheaper for central than an upserting pipeline, and an insert needs no filter, so it also works
 * on a collection sharded on other fields (an upsert's filter must carry the whole shard key).
 * An insert cannot evaluate $$CLUSTER_TIME: `ct` is a lower bound of the commit time taken just
 * before (see CentralTime), close enough for the catch-up scan, whose lookback starts well before
 * its checkpoint.
 */
export function newCentralDoc(
  id: unknown,
  doc: Document,
  v: string,
  origin: string,
  ct: Timestamp,
): Document {
  return { ...stripSync(doc), _id: id, _sync: { v, o: origin, h: [v], ct } };
}

export function insertDocOp(
  id: unknown,
  doc: Document,
  v: string,
  origin: string,
  ct: Timestamp,
): AnyBulkWriteOperation {
  return { insertOne: { document: newCentralDoc(id, doc, v, origin, ct) } };
}

/** Compare-and-swap: replaces only if central still holds `base`, the version this site last saw. */
export function updateOp(
  id: unknown,
  base: string,
  doc: Document,
  v: string,
  origin: string,
): AnyBulkWriteOperation {
  return {
    updateOne: {
      filter: { _id: id, '_sync.v': base } as Filter<Document>,
      update: stamped(doc, v, origin),
    },
  };
}

export function deleteOp(id: unknown, base: string): AnyBulkWriteOperation {
  return { deleteOne: { filter: { _id: id, '_sync.v': base } as Filter<Document> } };
}

export interface TombstoneDoc {
  _id: { coll: string; id: unknown };
  v: string;
  o: string;
  ct?: unknown;
  /** Scope value of the deleted document, so scoped sites can filter tombstones. */
  s?: unknown;
}

export function tombstoneOp(
  coll: string,
  id: unknown,
  v: string,
  origin: string,
  scopeValue?: unknown,
): AnyBulkWriteOperation<TombstoneDoc> {
  const literal: Document = { _id: { coll, id }, v, o: origin };
  if (scopeValue !== undefined) literal['s'] = scopeValue;
  return {
    updateOne: {
      filter: { _id: { coll, id } },
      update: [{ $replaceWith: { $literal: literal } }, { $set: { ct: '$$CLUSTER_TIME' } }],
      upsert: true,
    },
  };
}
