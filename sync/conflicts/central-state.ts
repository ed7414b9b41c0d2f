import type { AnyBulkWriteOperation, Document, Filter } from 'mongodb';
import type { EngineContext } from '../engine/context.js';
import { contentHash, stripSync } from '../engine/hash.js';
import { TOMBSTONES } from '../engine/rules.js';
import { newCentralDoc, stamped, tombstoneOp } from '../push/central-ops.js';
import { CentralTime } from '../push/central-time.js';

export interface CentralState {
  doc: Document | null;
  v: string | null;
  origin: string | null;
}

/** The document at central, or its tombstone's version when it was deleted there. */
export async function readCentral(
  ctx: EngineContext,
  db: string,
  coll: string,
  id: unknown,
): Promise<CentralState> {
  const database = ctx.central.db(db);
  const doc = await database.collection(coll).findOne({ _id: id } as Filter<Document>);
  if (doc) {
    const sync = doc['_sync'] as { v?: string; o?: string } | undefined;
    return { doc, v: sync?.v ?? null, origin: sync?.o ?? null };
  }
  const tombstone = await database
    .collection(TOMBSTONES)
    .findOne({ _id: { coll, id } } as Filter<Document>);
  return {
    doc: null,
    v: (tombstone?.['v'] as string | undefined) ?? null,
    origin: (tombstone?.['o'] as string | undefined) ?? null,
  };
}

export function sameContent(a: Document | null, b: Document | null): boolean {
  if (a === null || b === null) return a === b;
  return contentHash(stripSync(a)) === contentHash(stripSync(b));
}

/**
 * Writes a resolved version over the central state it was decided against, with compare-and-swap
 * on that state. Returns false when central moved again meanwhile (the caller retries later).
 */
export async function writeCentralVersion(
  ctx: EngineContext,
  db: string,
  coll: string,
  id: unknown,
  over: CentralState,
  doc: Document | null,
  v: string,
): Promise<boolean> {
  const collection = ctx.central.db(db).collection(coll);
  const current: Filter<Document> = (
    over.doc
      ? over.v
        ? { _id: id, '_sync.v': over.v }
        : { _id: id, _sync: { $exists: false } }
      : null
  ) as Filter<Document>;
  if (doc === null) {
    if (!current) return true;
    const result = await collection.deleteOne(current);
    if (result.deletedCount !== 1) return false;
    // The deleted document's scope value, as push's tombstones carry it: sites of other scopes
    // skip the delete (tombstoneInScope).
    const scope = ctx.rules.ruleFor(db, coll)?.scope;
    const scopeValue: unknown = scope ? (over.doc?.[scope.field] ?? null) : undefined;
    await ctx.central
      .db(db)
      .collection(TOMBSTONES)
      .bulkWrite([tombstoneOp(coll, id, v, ctx.instanceId, scopeValue)] as AnyBulkWriteOperation[]);
    return true;
  }
  if (!current) {
    const ct = await new CentralTime(ctx.central).floor();
    return collection.insertOne(newCentralDoc(id, doc, v, ctx.instanceId, ct)).then(
      () => true,
      () => false,
    );
  }
  const result = await collection.updateOne(
    current,
    stamped({ ...stripSync(doc), _id: id }, v, ctx.instanceId),
  );
  return result.matchedCount === 1;
}
