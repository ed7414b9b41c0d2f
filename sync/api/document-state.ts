/**
 * Where given documents stand with central, for the POS software ("has this sale reached head
 * office?") without a field in its own documents: `documents:sync-state`.
 *
 * A document is `synced` when its content is the content last synced (the hash in `meta`), which
 * also catches a write capture has not queued yet; `pending` while a change of it waits in the
 * outbox (with the tries and the last error) or is not captured yet; `conflict` while the
 * operator must decide; `set-aside` when central refused it; `not-synced` when its collection
 * does not send this site's changes; `unknown` when the site neither has it nor knows of it.
 */
import { BSON, type Document, type Filter } from 'mongodb';
import type { DocumentStatesArgs } from './contract.js';
import type { DocumentStateView } from './views.js';
import type { EngineContext } from '../engine/context.js';
import { contentHash } from '../engine/hash.js';
import { syncKey, type MetaDoc, type OutboxDoc, type QuarantineDoc } from '../engine/store.js';

export async function documentStates(
  ctx: EngineContext,
  args: DocumentStatesArgs,
): Promise<DocumentStateView[]> {
  const { db, coll } = args;
  const ids = args.ids.map(
    (id) => (BSON.EJSON.deserialize({ value: id }, { relaxed: true }) as { value: unknown }).value,
  );
  const keys = ids.map((id) => syncKey(db, coll, id));
  const byKey = <T>(docs: T[], key: (doc: T) => unknown) =>
    new Map(docs.map((doc) => [ejsonKey(key(doc)), doc]));
  // One snapshot of the local database and the meta database: the document and what is
  // recorded of it agree.
  const session = ctx.local.startSession({ snapshot: true });
  let docs: Document[], metas: MetaDoc[], outbox: OutboxDoc[];
  let setAside: QuarantineDoc[], conflicts: Document[];
  try {
    docs = await ctx.local
      .db(db)
      .collection(coll)
      .find({ _id: { $in: ids } } as Filter<Document>, { session })
      .toArray();
    metas = await ctx.store.meta.find({ _id: { $in: keys } }, { session }).toArray();
    outbox = await ctx.store.outbox.find({ _id: { $in: keys } }, { session }).toArray();
    setAside = await ctx.store.quarantine.find({ _id: { $in: keys } }, { session }).toArray();
    conflicts = await ctx.store.conflicts
      .find({ 'key.db': db, 'key.coll': coll, 'key.id': { $in: ids }, state: 'open' }, { session })
      .toArray();
  } finally {
    await session.endSession();
  }
  const doc = byKey(docs, (d) => d['_id']);
  const meta = byKey(metas, (m) => m._id.id);
  const entry = byKey(outbox, (e) => e._id.id);
  const refused = byKey(setAside, (q) => q._id.id);
  const open = byKey(conflicts, (c) => (c['key'] as { id: unknown }).id);
  const pushes = ctx.rules.pushes(db, coll);
  const synced = ctx.rules.ruleFor(db, coll) !== undefined;

  return ids.map((id, i): DocumentStateView => {
    const key = ejsonKey(id);
    const asked = args.ids[i]!;
    const known = meta.get(key);
    const central = known?.base
      ? {
          centralVersion: known.base,
          ...(known.ct
            ? { centralAt: new Date(known.ct.getHighBitsUnsigned() * 1000).toISOString() }
            : {}),
        }
      : {};
    if (!synced) return { id: asked, state: 'not-synced', reason: 'its collection is not synced' };
    const quarantined = refused.get(key);
    if (quarantined)
      return {
        id: asked,
        state: 'set-aside',
        reason: quarantined.reason,
        since: quarantined.at.toISOString(),
        ...central,
      };
    const waiting = entry.get(key);
    if (open.has(key) || waiting?.parked)
      return {
        id: asked,
        state: 'conflict',
        reason: 'waits for a decision in Conflicts',
        ...central,
      };
    const here = doc.get(key);
    const hash = here ? contentHash(here) : null;
    const current = known !== undefined && (known.hash ?? null) === hash;
    if (!waiting && current) return { id: asked, state: 'synced', ...central };
    if (!waiting && !here && !known) return { id: asked, state: 'unknown' };
    if (!pushes)
      return {
        id: asked,
        state: 'not-synced',
        reason: 'changed here, and its collection only receives from central',
        ...central,
      };
    return {
      id: asked,
      state: 'pending',
      ...(waiting
        ? {
            since: waiting.firstAt.toISOString(),
            attempts: waiting.attempts,
            ...(waiting.lastError ? { reason: waiting.lastError } : {}),
          }
        : {}),
      ...central,
    };
  });
}

function ejsonKey(value: unknown): string {
  return BSON.EJSON.stringify({ v: value }, { relaxed: false });
}
