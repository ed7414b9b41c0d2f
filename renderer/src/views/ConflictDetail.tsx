import { useEffect, useRef } from 'react';
import type { ConflictView } from '../../../sync/api/contract.js';
import { compareVersions, showValue, type FieldRow } from '../format/compare.js';
import { conflictKindWords } from '../format/state-words.js';
import { clockTime } from '../format/time.js';
import { ConflictActions } from './ConflictActions.js';

interface Props {
  conflict: ConflictView;
  now: number;
  onBack: () => void;
  onResolved: (message: string) => void;
}

/** One conflict: the three versions side by side, differing fields marked, and the decisions. */
export function ConflictDetail({ conflict, now, onBack, onResolved }: Props) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [conflict.id]);
  const rows = compareVersions(conflict.base.doc, conflict.site.doc, conflict.central.doc);
  const differing = rows.filter((r) => r.differs).length;
  return (
    <article className="conflict-detail" aria-labelledby="conflict-title">
      <button type="button" className="button button-link" onClick={onBack}>
        ← All conflicts
      </button>
      <h3 id="conflict-title" ref={heading} tabIndex={-1}>
        {conflict.coll} {showValue(conflict.docId)}
      </h3>
      <p className="muted">
        {conflictKindWords(conflict.kind)} · {clockTime(conflict.at, now)} · {conflict.db}
      </p>
      {conflict.unique && (
        <p className="note note-warn">
          Central already has another record with{' '}
          {Object.entries(conflict.unique.keyValue ?? {})
            .map(([k, v]) => `${k} = ${showValue(v)}`)
            .join(', ') || 'the same unique value'}
          .
        </p>
      )}
      <p>
        {differing === 0
          ? 'Both sides hold the same values.'
          : `${differing} ${differing === 1 ? 'field differs' : 'fields differ'} between this site and central (marked ≠). Choose a version below, or edit one that combines them.`}
      </p>
      <Comparison conflict={conflict} rows={rows} />
      {conflict.state === 'open' ? (
        <ConflictActions conflict={conflict} onResolved={onResolved} />
      ) : (
        <p className="note">Resolved: {conflict.outcome ?? 'settled'}.</p>
      )}
    </article>
  );
}

function Comparison({ conflict, rows }: { conflict: ConflictView; rows: FieldRow[] }) {
  const deleted = (side: { deleted: boolean; doc: unknown }) =>
    side.deleted || side.doc === null ? ' (deleted)' : '';
  // The engine keeps the earlier version only where it merges fields (merge, counters).
  const hasBase = conflict.base.doc !== null;
  return (
    <div className="table-scroll">
      {!hasBase && (
        <p className="hint">
          {conflict.base.v === null
            ? 'The record is new on both sides, so there is no earlier version.'
            : 'Outpost does not keep earlier versions of records in this collection, so the two current versions are shown.'}
        </p>
      )}
      <table className="table compare" data-testid="conflict-compare">
        <caption className="visually-hidden">
          {hasBase
            ? "The record's versions: the one both sides started from, this site's and central's"
            : "The record's versions: this site's and central's"}
        </caption>
        <thead>
          <tr>
            <th scope="col">Field</th>
            {hasBase && <th scope="col">Before</th>}
            <th scope="col">This site{deleted(conflict.site)}</th>
            <th scope="col">Central{deleted(conflict.central)}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr
              key={row.field}
              className={row.differs ? 'differs' : undefined}
              data-differs={row.differs}
            >
              <th scope="row">
                {row.differs && (
                  <span className="diff-mark" aria-hidden="true">
                    ≠{' '}
                  </span>
                )}
                {row.field}
                {row.differs && <span className="visually-hidden"> (differs)</span>}
              </th>
              {hasBase && <td className="muted">{showValue(row.base)}</td>}
              <Cell value={row.site} changed={row.siteChanged} />
              <Cell value={row.central} changed={row.centralChanged} />
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Cell({ value, changed }: { value: unknown; changed: boolean }) {
  return (
    <td className={changed ? 'changed' : undefined}>
      {showValue(value)}
      {changed && <span className="visually-hidden"> (changed)</span>}
    </td>
  );
}
