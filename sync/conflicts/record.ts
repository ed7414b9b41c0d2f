import type { Document, ObjectId } from 'mongodb';
import type { EngineContext } from '../engine/context.js';
import type { SyncKey } from '../engine/store.js';
import type { ConflictKind } from './decide.js';

export interface ConflictVersion {
  doc: Document | null;
  v: string | null;
  deleted: boolean;
  origin?: string | null;
}

export interface ConflictResolution {
  outcome: 'site' | 'central' | 'merged' | 'renamed';
  by: 'engine' | 'operator' | 'auto-rule';
  doc: Document | null;
  v: string | null;
  at: Date;
  rule?: string;
}

/** One conflict, auto-resolved or open: both versions, the base, what was decided and when. */
export interface ConflictRecord {
  _id: ObjectId;
  key: SyncKey;
  kind: ConflictKind;
  strategy: string;
  state: 'open' | 'resolved';
  site: ConflictVersion;
  central: ConflictVersion;
  base: { doc: Document | null; v: string | null };
  /** Fields changed on both sides (merge), or the clashing unique index and value. */
  fields?: string[];
  unique?: { index: string; keyValue: Document | null };
  resolution?: ConflictResolution;
  instanceId: string;
  at: Date;
}

export type NewConflict = Omit<ConflictRecord, '_id' | 'at' | 'instanceId' | 'state'>;

export async function recordResolved(
  ctx: EngineContext,
  conflict: NewConflict,
  resolution: ConflictResolution,
) {
  const at = new Date();
  await ctx.store.conflicts.insertOne({
    ...conflict,
    state: 'resolved',
    resolution,
    instanceId: ctx.instanceId,
    at,
  });
  await ctx.store.log.insertOne({
    at,
    event: 'conflict.resolved',
    level: 'info',
    key: conflict.key,
    kind: conflict.kind,
    strategy: conflict.strategy,
    outcome: resolution.outcome,
    by: resolution.by,
  });
  ctx.logger.info({
    event: 'conflict.resolved',
    key: conflict.key,
    kind: conflict.kind,
    outcome: resolution.outcome,
  });
}

/**
 * Stores a conflict for the operator (one open record per document: a newer clash replaces the
 * versions of the older one) and parks the document's outbox entry, so nothing else stalls.
 */
export async function recordOpen(
  ctx: EngineContext,
  conflict: NewConflict,
  seq: number,
): Promise<void> {
  const at = new Date();
  await ctx.store.conflicts.updateOne(
    { key: conflict.key, state: 'open' },
    { $set: { ...conflict, state: 'open', instanceId: ctx.instanceId, at } },
    { upsert: true },
  );
  await ctx.store.outbox.updateOne(
    { _id: conflict.key, seq },
    { $set: { parked: true, lastError: `conflict (${conflict.kind}) waiting for the operator` } },
  );
  await ctx.store.log.insertOne({
    at,
    event: 'conflict.opened',
    level: 'warn',
    key: conflict.key,
    kind: conflict.kind,
  });
  ctx.logger.warn({
    event: 'conflict.opened',
    key: conflict.key,
    kind: conflict.kind,
    strategy: conflict.strategy,
  });
  ctx.events.emit('conflict-opened', conflict.key);
}
