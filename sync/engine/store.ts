import type { Collection, Document, Filter, MongoClient, ResumeToken, Timestamp } from 'mongodb';
import type { HlcState } from './hlc.js';

/** Identifies one synced document. Always built by `syncKey` so field order is stable. */
export interface SyncKey {
  db: string;
  coll: string;
  id: unknown;
}

export function syncKey(db: string, coll: string, id: unknown): SyncKey {
  return { db, coll, id };
}

/** What this site last knew of a document at central. */
export interface MetaDoc {
  _id: SyncKey;
  /** Central version last seen (`_sync.v`), null when central never had it. */
  base: string | null;
  /** Content hash of the last synced state, null when deleted. */
  hash: string | null;
  ct?: Timestamp | null | undefined;
  deleted?: boolean;
  /**
   * A central version newer than `base` that pull skipped because the document had an unsynced
   * local change at the time. Push resolves it through the conflict path; if the local change
   * turns out to be no change at all (an echo), push fetches this version instead of dropping it.
   */
  behind?: string | null | undefined;
  /**
   * Written before each push of a collection that keeps a base (merge, counters): the version and
   * document sent. If the acknowledgement is lost and central's version history (`_sync.h`) shows
   * it arrived, that document is the base for the next merge, so no counter delta counts twice.
   */
  inflight?: { v: string; doc: Document | null } | null | undefined;
  /** The synced document itself, for collections that merge field by field. */
  baseDoc?: Document | null | undefined;
}

/**
 * Outbox entries not parked by a manual conflict. Not `{ parked: { $ne: true } }`: that is two
 * ranges of the { parked, nextAt } index, and ordering them by nextAt sorted the whole queue on
 * every push round (50k entries: 50k keys examined for a batch of 1,000). Two equality points
 * merge in nextAt order and stop at the batch.
 */
export const UNPARKED: Filter<OutboxDoc> = { parked: { $in: [null, false] } } as Filter<OutboxDoc>;

/** One pending local change per document (coalesced). */
export interface OutboxDoc {
  _id: SyncKey;
  /** Capture sequence: changes whenever the document changes again. */
  seq: number;
  /** HLC version of the latest local edit. */
  v: string;
  op: 'upsert' | 'delete';
  firstAt: Date;
  nextAt: Date;
  attempts: number;
  lastError?: string | undefined;
  parked?: boolean | undefined;
  /** Set by pull when it skipped a newer central version: the entry must survive the push. */
  refresh?: boolean | undefined;
}

export interface CheckpointDoc {
  _id: string;
  /** Change-stream resume token (opaque: `ResumeToken` is `unknown`, so null is included). */
  token?: ResumeToken;
  /** Cluster time of the last applied change (pull) or stream start time. */
  ct?: Timestamp | null | undefined;
  startAt?: Timestamp | null | undefined;
  seq?: number | undefined;
  l?: number | undefined;
  bootstrapped?: boolean | undefined;
  initialEnqueued?: boolean | undefined;
  /** Engine (`_id: 'paused'`): when the operator paused sync; kept until resumed. */
  at?: Date | undefined;
  /** Pull: the collections pulled at the last start, all of whose documents were copied. */
  pulled?: string[] | undefined;
  /** Capture: the collections pushed at the last start, all of whose documents were read. */
  enqueued?: string[] | undefined;
  bootstrap?: Record<string, { lastId?: unknown; done?: boolean }> | undefined;
  /** `central:<db>`: the identity of the central the database's bookkeeping belongs to. */
  centralId?: string | undefined;
  /** `central:<db>`: the cluster it was bound on (see central/identity.ts). */
  cluster?: { setName: string | null; hosts: string[] } | undefined;
  updatedAt?: Date | undefined;
}

export interface QuarantineDoc {
  _id: SyncKey;
  reason: string;
  code?: number | string | undefined;
  direction: 'push' | 'pull';
  doc?: Document | null | undefined;
  v?: string | undefined;
  at: Date;
}

export interface LogDoc {
  at: Date;
  event: string;
  level: 'info' | 'warn' | 'error';
  [key: string]: unknown;
}

export interface LocalStore {
  client: MongoClient;
  meta: Collection<MetaDoc>;
  outbox: Collection<OutboxDoc>;
  checkpoints: Collection<CheckpointDoc>;
  quarantine: Collection<QuarantineDoc>;
  conflicts: Collection<Document>;
  log: Collection<LogDoc>;
  loadHlc(): Promise<HlcState>;
  /**
   * Persists the clock so that a restart issues no version at or below `l`. It saves a lease
   * (`l` plus HLC_LEASE_MS) and writes again only once the clock passes it: at most one write a
   * second under steady load instead of one per capture, push and pull batch. A restart then
   * starts at most that far ahead of the wall clock, which the clock absorbs like any skew.
   */
  saveHlc(l: number): Promise<void>;
}

export const HLC_LEASE_MS = 1_000;

const LOG_CAP_BYTES = 16 * 1024 * 1024;

/** Opens the metadata database (default `outpost`), creating collections and indexes. */
export async function openLocalStore(client: MongoClient, dbName: string): Promise<LocalStore> {
  const db = client.db(dbName);
  const existing = new Set(
    (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name),
  );
  if (!existing.has('log')) {
    await db
      .createCollection('log', { capped: true, size: LOG_CAP_BYTES })
      .catch((error: { code?: number }) => {
        if (error.code !== 48 /* NamespaceExists */) throw error;
      });
  }
  // Collections must exist before they are written in a transaction.
  for (const name of ['meta', 'outbox', 'checkpoints', 'quarantine', 'conflicts']) {
    if (!existing.has(name)) {
      await db.createCollection(name).catch((error: { code?: number }) => {
        if (error.code !== 48) throw error;
      });
    }
  }
  const store = storeHandles(client, dbName);
  await Promise.all([
    store.outbox.createIndex({ parked: 1, nextAt: 1 }),
    store.outbox.createIndex({ firstAt: 1 }),
    store.conflicts.createIndex({ state: 1, at: -1 }),
    store.conflicts.createIndex({ 'key.db': 1, 'key.coll': 1, state: 1 }),
  ]);
  return store;
}

/** Handles on the metadata collections through `client` (created by openLocalStore). */
export function storeHandles(client: MongoClient, dbName: string): LocalStore {
  const db = client.db(dbName);
  let leasedUntil = 0;
  const store: LocalStore = {
    client,
    meta: db.collection<MetaDoc>('meta'),
    outbox: db.collection<OutboxDoc>('outbox'),
    checkpoints: db.collection<CheckpointDoc>('checkpoints'),
    quarantine: db.collection<QuarantineDoc>('quarantine'),
    conflicts: db.collection('conflicts'),
    log: db.collection<LogDoc>('log'),
    async loadHlc() {
      const saved = await store.checkpoints.findOne({ _id: 'hlc' });
      // The persisted l is written after each batch commits, so a crash in between leaves the
      // batch's versions in the outbox above it: the newest of those counts too.
      const newest = await store.outbox
        .find({}, { projection: { v: 1 } })
        .sort({ v: -1 })
        .limit(1)
        .next();
      const queued = Number(newest?.v?.split('-')[0] ?? 0) || 0;
      return { l: Math.max(saved?.l ?? 0, queued) + 1, c: 0 };
    },
    async saveHlc(l) {
      if (l < leasedUntil) return;
      const until = l + HLC_LEASE_MS;
      await store.checkpoints.updateOne({ _id: 'hlc' }, { $max: { l: until } }, { upsert: true });
      leasedUntil = Math.max(leasedUntil, until);
    },
  };
  return store;
}
