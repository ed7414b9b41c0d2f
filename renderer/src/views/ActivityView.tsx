import { useState } from 'react';
import { ErrorNote } from '../components/ErrorNote.js';
import { logWords } from '../format/log-words.js';
import { clockTime } from '../format/time.js';
import { usePolled } from '../hooks/use-polled.js';
import { SetAsideCard } from './SetAsideCard.js';
import { WaitingCard } from './WaitingCard.js';

type Level = 'all' | 'warn' | 'error';

/** What Outpost did and what the operator decided, newest first. */
export function ActivityView({ now }: { now: number }) {
  const [level, setLevel] = useState<Level>('all');
  const { data, error } = usePolled(
    'log:list',
    level === 'all' ? { limit: 100 } : { limit: 100, level },
    5_000,
  );
  const entries = data?.entries ?? [];
  return (
    <>
      <WaitingCard now={now} />
      <SetAsideCard now={now} />
      <div className="segmented" role="group" aria-label="Which entries">
        {(
          [
            ['all', 'Everything'],
            ['warn', 'Warnings'],
            ['error', 'Errors'],
          ] as const
        ).map(([value, label]) => (
          <button
            key={value}
            type="button"
            aria-pressed={level === value}
            onClick={() => setLevel(value)}
          >
            {label}
          </button>
        ))}
      </div>
      <ErrorNote error={error} />
      {!data && !error && <p>Loading…</p>}
      {data && entries.length === 0 && (
        <section className="card empty">
          <p>Nothing recorded yet.</p>
        </section>
      )}
      {entries.length > 0 && (
        <ol className="activity" aria-label="Activity, newest first" data-testid="activity-list">
          {entries.map((entry, i) => {
            const words = logWords(entry);
            return (
              <li key={`${entry.at}-${i}`} className={`activity-item level-${entry.level}`}>
                <time dateTime={entry.at}>{clockTime(entry.at, now)}</time>
                <span className="activity-title">
                  {entry.level !== 'info' && (
                    <span className="level-tag">
                      {entry.level === 'warn' ? 'Warning' : 'Error'}
                    </span>
                  )}
                  {words.title}
                </span>
                {words.detail && <span className="activity-detail">{words.detail}</span>}
              </li>
            );
          })}
        </ol>
      )}
    </>
  );
}
