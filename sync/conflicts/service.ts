import { ObjectId, type Document, type Filter } from 'mongodb';
import { ErrorCode, OutpostError } from '../errors.js';
import type { EngineContext } from '../engine/context.js';
import { stripSync } from '../engine/hash.js';
import { compareVersions } from '../engine/hlc.js';
import { syncKey } from '../engine/store.js';
import { readCentral, sameContent, type CentralState } from './central-state.js';
import { applyResolvedLocally } from './local-apply.js';
import type { ConflictRecord, ConflictResolution } from './record.js';
import { writeResolution } from './resolve.js';

/** What the operator (or an auto-resolve rule) decides for an open conflict. */
export type ConflictAction =
  | { keep: 'site' }
  | { keep: 'central' }
  | { keep: 'merged'; doc: Document }
  /** Unique clash: give the site's document a new value for the clashing field, then push it. */
  | { keep: 'renamed'; field: string; value: unknown };

export interface AutoResolveOptions {
  db?: string | undefined;
  coll?: string | undefined;
  /** Apply this strategy to every open conflict; default: the simple-case rules below. */
  strategy?: 'lww' | 'site-wins' | 'central-wins' | undefined;
  max?: number | undefined;
}

export interface AutoResolveReport {
  resolved: number;
  skipped: number;
  failed: number;
  remaining: number;
}

export interface ConflictService {
  list(filter: {
    state?: 'open' | 'resolved' | 'all';
    db?: string;
    coll?: string;
    limit?: number;
  }): Promise<ConflictRecord[]>;
  get(id: string): Promise<ConflictRecord | null>;
  resolve(
    id: string,
    action: ConflictAction,
    by?: ConflictResolution['by'],
  ): Promise<ConflictRecord>;
  autoResolve(options?: AutoResolveOptions): Promise<AutoResolveReport>;
}

const RECENT_MS = 60 * 60 * 1000;

/**
 * Operator decisions on open conflicts. Each one is carried to central (compare-and-swap on the
 * version central holds now, so it reaches every site), applied locally, recorded on the conflict
 * and written to the audit log.
 */
export function createConflictService(ctx: EngineContext): ConflictService {
  const conflicts = ctx.store.conflicts;

  async function load(id: string): Promise<ConflictRecord> {
    if (!ObjectId.isValid(id))
      throw new OutpostError(ErrorCode.InvalidArgs, `"${id}" is not a conflict ID.`);
    const record = (await conflicts.findOne({ _id: new ObjectId(id) })) as ConflictRecord | null;
    if (!record) throw new OutpostError(ErrorCode.NotFound, `No conflict with ID ${id}.`);
    if (record.state !== 'open')
      throw new OutpostError(ErrorCode.InvalidArgs, `Conflict ${id} is already resolved.`);
    return record;
  }

  async function resolve(
    id: string,
    action: ConflictAction,
    by: ConflictResolution['by'] = 'operator',
  ) {
    const record = await load(id);
    const { db, coll, id: docId } = record.key;
    const local = await ctx.local
      .db(db)
      .collection(coll)
      .findOne({ _id: docId } as Filter<Document>);
    const entry = await ctx.store.outbox.findOne({ _id: syncKey(db, coll, docId) });
    let resolution: ConflictResolution;
    if (action.keep === 'renamed') {
      if (!local)
        throw new OutpostError(
          ErrorCode.InvalidArgs,
          `The site no longer has ${coll} ${String(docId)} to rename.`,
        );
      // The local edit is captured and pushed like any other; a new clash opens a new conflict.
      await ctx.local
        .db(db)
        .collection(coll)
        .updateOne({ _id: docId } as Filter<Document>, { $set: { [action.field]: action.value } });
      await ctx.store.outbox.updateOne(
        { _id: syncKey(db, coll, docId) },
        { $set: { parked: false, nextAt: new Date(0) } },
      );
      resolution = {
        outcome: 'renamed',
        by,
        doc: { ...local, [action.field]: action.value },
        v: null,
        at: new Date(),
      };
    } else {
      const central = await readCentral(ctx, db, coll, docId);
      const doc = target(action, local, central, docId);
      const v = await writeResolution(ctx, record.key, central, doc);
      if (v === undefined) {
        throw new OutpostError(
          ErrorCode.ConflictChanged,
          `Central changed ${coll} ${String(docId)} while resolving: review the conflict again.`,
          {
            details: { id },
          },
        );
      }
      await applyResolvedLocally(ctx, record.key, doc, v, { doc: local, seq: entry?.seq ?? null });
      resolution = {
        outcome: action.keep === 'merged' ? 'merged' : action.keep,
        by,
        doc,
        v,
        at: new Date(),
      };
    }
    await conflicts.updateOne(
      { _id: record._id, state: 'open' },
      { $set: { state: 'resolved', resolution } },
    );
    await ctx.store.log.insertOne({
      at: resolution.at,
      event: 'conflict.resolved-by-operator',
      level: 'info',
      key: record.key,
      kind: record.kind,
      outcome: resolution.outcome,
      by,
    });
    ctx.logger.info({
      event: 'conflict.resolved-by-operator',
      key: record.key,
      outcome: resolution.outcome,
      by,
    });
    ctx.notifyPush();
    return { ...record, state: 'resolved' as const, resolution };
  }

  return {
    async list({ state = 'open', db, coll, limit = 50 }) {
      const filter: Document = {};
      if (state !== 'all') filter['state'] = state;
      if (db) filter['key.db'] = db;
      if (coll) filter['key.coll'] = coll;
      return (await conflicts
        .find(filter)
        .sort({ at: -1 })
        .limit(limit)
        .toArray()) as ConflictRecord[];
    },
    async get(id) {
      if (!ObjectId.isValid(id)) return null;
      return (await conflicts.findOne({ _id: new ObjectId(id) })) as ConflictRecord | null;
    },
    resolve,
    async autoResolve(options = {}) {
      const filter: Document = { state: 'open' };
      if (options.db) filter['key.db'] = options.db;
      if (options.coll) filter['key.coll'] = options.coll;
      const open = (await conflicts
        .find(filter)
        .sort({ at: 1 })
        .limit(options.max ?? 100)
        .toArray()) as ConflictRecord[];
      const report: AutoResolveReport = { resolved: 0, skipped: 0, failed: 0, remaining: 0 };
      for (const record of open) {
        const action = await autoAction(ctx, record, options.strategy);
        if (!action) {
          report.skipped += 1;
          continue;
        }
        try {
          await resolve(record._id.toHexString(), action, 'auto-rule');
          report.resolved += 1;
        } catch (error) {
          ctx.logger.warn({ event: 'conflict.auto-resolve-failed', key: record.key, error });
          report.failed += 1;
        }
      }
      report.remaining = await conflicts.countDocuments({ state: 'open' });
      return report;
    },
  };
}

function target(
  action: Exclude<ConflictAction, { keep: 'renamed' }>,
  local: Document | null,
  central: CentralState,
  id: unknown,
) {
  if (action.keep === 'site') return local ? stripSync(local) : null;
  if (action.keep === 'central') return central.doc ? stripSync(central.doc) : null;
  if (action.doc['_id'] !== undefined && JSON.stringify(action.doc['_id']) !== JSON.stringify(id)) {
    throw new OutpostError(
      ErrorCode.InvalidArgs,
      'The merged document must keep the conflict document\u2019s _id.',
    );
  }
  return { ...stripSync(action.doc), _id: id };
}

/**
 * The simple cases, after seed 003's sync CLI: identical versions keep central; a unique clash
 * on a document created at the site within the hour is renamed (the clashing value gets this
 * site's suffix); central newer by HLC keeps central. Anything else is left to the operator.
 * With `strategy`, that strategy decides every open conflict (unique clashes excepted).
 */
async function autoAction(
  ctx: EngineContext,
  record: ConflictRecord,
  strategy?: AutoResolveOptions['strategy'],
): Promise<ConflictAction | undefined> {
  const { db, coll, id } = record.key;
  if (record.kind === 'unique') {
    const entry = await ctx.store.outbox.findOne({ _id: syncKey(db, coll, id) });
    const [field, value] = Object.entries(record.unique?.keyValue ?? {})[0] ?? [];
    const recent = entry && Date.now() - entry.firstAt.getTime() < RECENT_MS;
    if (!field || !recent) return undefined;
    return { keep: 'renamed', field, value: `${String(value)}-${ctx.instanceId.slice(-4)}` };
  }
  const local = await ctx.local
    .db(db)
    .collection(coll)
    .findOne({ _id: id } as Filter<Document>);
  const central = await readCentral(ctx, db, coll, id);
  if (sameContent(local, central.doc)) return { keep: 'central' };
  if (strategy === 'site-wins') return { keep: 'site' };
  if (strategy === 'central-wins') return { keep: 'central' };
  const centralNewer = compareVersions(central.v, record.site.v) > 0;
  if (strategy === 'lww') return { keep: centralNewer ? 'central' : 'site' };
  return centralNewer ? { keep: 'central' } : undefined;
}
