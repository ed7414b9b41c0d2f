import { ObjectId, type Document, type Filter, type MongoClient } from 'mongodb';
import { HybridClock } from '../engine/hlc.js';
import { TOMBSTONES } from '../engine/rules.js';
import { newCentralDoc, stamped, tombstoneOp } from '../push/central-ops.js';
import { CentralTime } from '../push/central-time.js';

/**
 * For applications that write central directly (head office: catalogue, prices). Writes stamped
 * the way Outpost's own pushes are (`_sync.v` from an HLC, origin, commit time) and deletes that
 * leave tombstones, so sites learn of them even after being offline for months. Writes that skip
 * this are adopted by the first site to see them in central's change stream (see pull/adopt.ts),
 * with a short window in which a site's push can overwrite them; a raw delete leaves no
 * tombstone, so a site whose stream lost its history misses it.
 */
export interface CentralWriter {
  insert(db: string, coll: string, doc: Document): Promise<void>;
  /** Replaces the document with `doc` (read-modify-write with compare-and-swap, retried). */
  update(
    db: string,
    coll: string,
    id: unknown,
    change: (current: Document) => Document,
  ): Promise<boolean>;
  delete(db: string, coll: string, id: unknown): Promise<boolean>;
}

export function createCentralWriter(
  central: MongoClient,
  origin: string,
  wallClock: () => number = Date.now,
): CentralWriter {
  const clock = new HybridClock(origin, wallClock);
  const centralTime = new CentralTime(central);
  const stamp = (doc: Document, v: string) => stamped(doc, v, origin);
  return {
    async insert(db, coll, doc) {
      const ct = await centralTime.floor();
      await central
        .db(db)
        .collection(coll)
        .insertOne(newCentralDoc(doc['_id'] ?? new ObjectId(), doc, clock.now(), origin, ct));
    },
    async update(db, coll, id, change) {
      const collection = central.db(db).collection(coll);
      for (let attempt = 0; attempt < 20; attempt++) {
        const current = await collection.findOne({ _id: id } as Filter<Document>);
        if (!current) return false;
        const { _sync: sync, ...content } = current as Document & { _sync?: { v?: string } };
        clock.receive(sync?.v);
        const filter = (
          sync?.v ? { _id: id, '_sync.v': sync.v } : { _id: id, _sync: { $exists: false } }
        ) as Filter<Document>;
        const result = await collection.updateOne(
          filter,
          stamp({ ...change(content), _id: id }, clock.now()),
        );
        if (result.matchedCount === 1) return true;
      }
      throw new Error(`Gave up updating ${db}.${coll} ${String(id)}: it kept changing under us.`);
    },
    async delete(db, coll, id) {
      const current = await central
        .db(db)
        .collection(coll)
        .findOne({ _id: id } as Filter<Document>);
      clock.receive((current?.['_sync'] as { v?: string } | undefined)?.v);
      const v = clock.now();
      const result = await central
        .db(db)
        .collection(coll)
        .deleteOne({ _id: id } as Filter<Document>);
      if (result.deletedCount === 0) return false;
      await central
        .db(db)
        .collection(TOMBSTONES)
        .bulkWrite([tombstoneOp(coll, id, v, origin)] as never[]);
      return true;
    },
  };
}
