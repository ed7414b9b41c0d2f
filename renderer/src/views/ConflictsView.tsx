import { useState } from 'react';
import type { ConflictView } from '../../../sync/api/contract.js';
import { ErrorNote } from '../components/ErrorNote.js';
import { showValue } from '../format/compare.js';
import { conflictKindWords } from '../format/state-words.js';
import { clockTime } from '../format/time.js';
import { usePolled } from '../hooks/use-polled.js';
import { ConflictDetail } from './ConflictDetail.js';

type Filter = 'open' | 'resolved';

const OUTCOME: Record<string, string> = {
  site: "kept this site's version",
  central: "kept central's version",
  merged: 'merged',
  renamed: 'given a new value',
};

/** The inbox: records changed both here and at central, waiting for a decision. */
export function ConflictsView({ now, onChanged }: { now: number; onChanged: () => void }) {
  const [filter, setFilter] = useState<Filter>('open');
  const [selected, setSelected] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const { data, error, refresh } = usePolled(
    'conflicts:list',
    { state: filter, limit: 100 },
    3_000,
  );
  const conflicts = data?.conflicts ?? [];
  const current = conflicts.find((c) => c.id === selected);

  if (current) {
    return (
      <ConflictDetail
        conflict={current}
        now={now}
        onBack={() => setSelected(null)}
        onResolved={(message) => {
          setNotice(message);
          setSelected(null);
          refresh();
          onChanged();
        }}
      />
    );
  }
  return (
    <>
      <div className="segmented" role="group" aria-label="Which conflicts">
        {(['open', 'resolved'] as const).map((f) => (
          <button
            key={f}
            type="button"
            aria-pressed={filter === f}
            onClick={() => {
              setFilter(f);
              setNotice(null);
            }}
          >
            {f === 'open' ? 'Waiting for you' : 'Resolved'}
          </button>
        ))}
      </div>
      {notice && (
        <p className="note note-ok" role="status">
          {notice}
        </p>
      )}
      <ErrorNote error={error} />
      {!data && !error && <p>Loading…</p>}
      {data && conflicts.length === 0 && (
        <section className="card empty" data-testid="conflicts-empty">
          <p>
            {filter === 'open'
              ? 'Nothing to decide. When a record is changed both here and at central in ways Outpost cannot settle on its own, it waits here for you.'
              : 'No conflicts have been resolved yet.'}
          </p>
        </section>
      )}
      {conflicts.length > 0 && (
        <ul
          className="conflict-list"
          aria-label={filter === 'open' ? 'Conflicts waiting' : 'Resolved conflicts'}
        >
          {conflicts.map((c) => (
            <ConflictItem key={c.id} conflict={c} now={now} onOpen={() => setSelected(c.id)} />
          ))}
        </ul>
      )}
    </>
  );
}

function ConflictItem({
  conflict,
  now,
  onOpen,
}: {
  conflict: ConflictView;
  now: number;
  onOpen: () => void;
}) {
  const name = `${conflict.coll} ${showValue(conflict.docId)}`;
  const outcome = conflict.outcome ? (OUTCOME[conflict.outcome] ?? conflict.outcome) : null;
  return (
    <li>
      <button
        type="button"
        className="conflict-item"
        onClick={onOpen}
        aria-label={`${name}: ${conflictKindWords(conflict.kind)}${outcome ? `, ${outcome}` : ''}, ${clockTime(conflict.at, now)}. ${outcome ? 'Open to see the versions.' : 'Open to decide.'}`}
        data-testid="conflict-item"
      >
        <span className="conflict-name">
          <span className="conflict-coll">{conflict.coll}</span> {showValue(conflict.docId)}
        </span>
        <span className="conflict-kind">
          {conflictKindWords(conflict.kind)}
          {outcome ? ` — ${outcome}` : ''}
        </span>
        <span className="conflict-at">{clockTime(conflict.at, now)}</span>
      </button>
    </li>
  );
}
