/**
 * Read-only queries of the local store (conflicts, sync log, quarantine) shaped as bridge views.
 * Documents leave as relaxed Extended JSON so ObjectIds, dates and decimals survive JSON.
 */
import { BSON, type Document, type Filter } from 'mongodb';
import type { LocalStore, LogDoc, OutboxDoc, QuarantineDoc, SyncKey } from '../engine/store.js';
import type {
  ListConflictsArgs,
  ListLogArgs,
  ListOutboxArgs,
  ListQuarantineArgs,
} from './contract.js';
import type {
  ConflictSideView,
  ConflictView,
  LogEntryView,
  OutboxListView,
  QuarantineView,
} from './views.js';

export function toJson(value: unknown): unknown {
  if (value === undefined) return null;
  return BSON.EJSON.serialize({ value }, { relaxed: true })['value'] as unknown;
}

function toJsonObject(value: unknown): Record<string, unknown> | null {
  const json = toJson(value);
  return json !== null && typeof json === 'object' && !Array.isArray(json)
    ? (json as Record<string, unknown>)
    : null;
}

function keyFilter(prefix: string, db?: string, coll?: string): Document {
  return {
    ...(db === undefined ? {} : { [`${prefix}.db`]: db }),
    ...(coll === undefined ? {} : { [`${prefix}.coll`]: coll }),
  };
}

export async function listConflicts(
  store: LocalStore,
  args: ListConflictsArgs,
): Promise<ConflictView[]> {
  const state = args.state ?? 'open';
  const filter: Document = {
    ...keyFilter('key', args.db, args.coll),
    ...(state === 'all' ? {} : { state }),
  };
  const docs = await store.conflicts
    .find(filter)
    .sort({ at: -1 })
    .limit(args.limit ?? 50)
    .toArray();
  return docs.map(conflictView);
}

function side(value: unknown): ConflictSideView {
  const doc = (value ?? {}) as Document;
  return {
    doc: toJsonObject(doc['doc']),
    v: (doc['v'] as string | null | undefined) ?? null,
    deleted: doc['deleted'] === true,
    ...('origin' in doc ? { origin: (doc['origin'] as string | null) ?? null } : {}),
  };
}

export function conflictView(doc: Document): ConflictView {
  const key = (doc['key'] ?? {}) as Partial<SyncKey>;
  return {
    id: String(doc['_id']),
    db: key.db ?? '',
    coll: key.coll ?? '',
    docId: toJson(key.id),
    kind: String(doc['kind'] ?? 'unknown'),
    strategy: String(doc['strategy'] ?? 'unknown'),
    state: doc['state'] === 'open' ? 'open' : 'resolved',
    outcome: outcomeOf(doc),
    at: toIso(doc['at']),
    site: side(doc['site']),
    central: side(doc['central']),
    base: baseOf(doc['base']),
    fields: Array.isArray(doc['fields']) ? (doc['fields'] as unknown[]).map(String) : [],
    unique: uniqueOf(doc['unique']),
  };
}

/** The record keeps the outcome in `resolution` (sync/conflicts/record.ts). */
function outcomeOf(doc: Document): string | null {
  const resolution = doc['resolution'] as { outcome?: unknown } | undefined;
  const outcome: unknown = resolution?.outcome ?? doc['outcome'];
  return typeof outcome === 'string' ? outcome : null;
}

function baseOf(value: unknown): ConflictView['base'] {
  const base = (value ?? {}) as Document;
  return {
    doc: toJsonObject(base['doc']),
    v: typeof base['v'] === 'string' ? base['v'] : null,
  };
}

function uniqueOf(value: unknown): ConflictView['unique'] {
  if (value === null || typeof value !== 'object') return null;
  const unique = value as Document;
  return { index: String(unique['index'] ?? ''), keyValue: toJsonObject(unique['keyValue']) };
}

export async function listLog(store: LocalStore, args: ListLogArgs): Promise<LogEntryView[]> {
  const filter: Filter<LogDoc> = {
    ...(args.level === undefined ? {} : { level: args.level }),
    ...(args.event === undefined ? {} : { event: args.event }),
    ...(args.since === undefined ? {} : { at: { $gte: new Date(args.since) } }),
  };
  // The log is a capped collection: natural order is insertion order.
  const docs = await store.log
    .find(filter)
    .sort({ $natural: -1 })
    .limit(args.limit ?? 100)
    .toArray();
  return docs.map(({ _id: _ignored, at, event, level, ...attributes }) => ({
    at: toIso(at),
    event,
    level,
    attributes: toJsonObject(attributes) ?? {},
  }));
}

export async function listQuarantine(
  store: LocalStore,
  args: ListQuarantineArgs,
): Promise<QuarantineView[]> {
  const docs = await store.quarantine
    .find(keyFilter('_id', args.db, args.coll) as Filter<QuarantineDoc>)
    .sort({ at: -1 })
    .limit(args.limit ?? 100)
    .toArray();
  return docs.map((doc) => ({
    db: doc._id.db,
    coll: doc._id.coll,
    docId: toJson(doc._id.id),
    reason: doc.reason,
    code: doc.code ?? null,
    direction: doc.direction,
    v: doc.v ?? null,
    at: toIso(doc.at),
  }));
}

/** The changes waiting to be sent, oldest first (the order push works through them). */
export async function listOutbox(store: LocalStore, args: ListOutboxArgs): Promise<OutboxListView> {
  const filter = {
    ...keyFilter('_id', args.db, args.coll),
    ...(args.failing ? { attempts: { $gt: 0 } } : {}),
  } as Filter<OutboxDoc>;
  const [docs, total] = await Promise.all([
    store.outbox
      .find(filter)
      .sort({ firstAt: 1 })
      .limit(args.limit ?? 100)
      .toArray(),
    store.outbox.countDocuments(filter),
  ]);
  const now = Date.now();
  return {
    total,
    entries: docs.map((doc) => ({
      db: doc._id.db,
      coll: doc._id.coll,
      docId: toJson(doc._id.id),
      op: doc.op,
      since: toIso(doc.firstAt),
      attempts: doc.attempts,
      lastError: doc.lastError ?? null,
      nextAt: doc.nextAt.getTime() > now ? doc.nextAt.toISOString() : null,
      parked: doc.parked ?? false,
    })),
  };
}

export function toIso(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  return typeof value === 'string' ? value : new Date(0).toISOString();
}
