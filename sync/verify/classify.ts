/**
 * What a difference between the site and central is, and what repair does about it. Pure: the
 * caller reads both sides, `meta` and the outbox after capture has caught up (settle.ts).
 *
 * Rules:
 * - Same content on both sides now (a change arrived meanwhile): not a difference.
 * - An outbox entry exists: the site has an unsynced change. That is pending work, not drift:
 *   reported as pending and never repaired (push carries it and resolves any conflict).
 * - Central has the document and the site lacks it (`missing`) or holds other content (`changed`):
 *   central's version is written locally (`restore-from-central`), with `meta` recording it as
 *   synced. With no outbox entry the local state is one capture never saw (restored backup, lost
 *   oplog, a write behind the engine's back) or one pull has not applied: central is the truth.
 * - The site has a document central lacks in this site's scope (`extra`):
 *   - `meta` shows central once held it (a base version): central deleted it (a tombstone, a raw
 *     delete, or it moved out of this site's scope), so it is deleted locally (`delete-local`).
 *   - it was never synced (no meta, or no base version): it is a local document central never got.
 *     It is queued for push (`queue-push`), never deleted: a sale is never lost.
 *
 * A push-only collection (`truth: 'site'`) never takes central's version: central holds what the
 * site sent, and every other site's documents besides. Only the site's own documents are compared,
 * and each one central lacks or holds with other content is queued for push (`queue-push`). Push
 * then compares it with central's version as for any change: a document head office changed since
 * is a conflict, settled by the collection's strategy; one central deleted is sent again.
 */
export type DriftKind = 'changed' | 'missing' | 'extra';
export type RepairAction = 'restore-from-central' | 'delete-local' | 'queue-push';

export interface SidesState {
  /** Content hash of the local document; null when the site lacks it. */
  local: string | null;
  /** Content hash of central's document in scope; null when central lacks it. */
  central: string | null;
  /** Central version this site last synced (`meta.base`); null without meta or base. */
  base: string | null;
  /** An outbox entry exists for the document. */
  queued: boolean;
}

export type Verdict =
  | { kind: 'same' }
  | { kind: 'pending'; drift: DriftKind }
  | { kind: 'drift'; drift: DriftKind; action: RepairAction };

export function driftKind(state: Pick<SidesState, 'local' | 'central'>): DriftKind {
  if (state.central === null) return 'extra';
  return state.local === null ? 'missing' : 'changed';
}

/** Which side a difference is settled for: central's (pulled collections) or the site's. */
export type Truth = 'central' | 'site';

export function classify(state: SidesState, truth: Truth = 'central'): Verdict {
  if (state.local === state.central) return { kind: 'same' };
  const drift = driftKind(state);
  if (state.queued) return { kind: 'pending', drift };
  if (truth === 'site') return { kind: 'drift', drift, action: 'queue-push' };
  if (state.central !== null) return { kind: 'drift', drift, action: 'restore-from-central' };
  return { kind: 'drift', drift, action: state.base !== null ? 'delete-local' : 'queue-push' };
}
