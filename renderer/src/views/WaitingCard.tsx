import type { OutboxEntryView } from '../../../sync/api/contract.js';
import { ErrorNote } from '../components/ErrorNote.js';
import { showValue } from '../format/compare.js';
import { clockTime, duration } from '../format/time.js';
import { usePolled } from '../hooks/use-polled.js';

const SHOWN = 20;

/**
 * The changes of this site waiting to be sent, oldest first, and why one is held up: failed
 * tries with the last error, or a conflict waiting for the operator. Shows nothing while nothing
 * waits.
 */
export function WaitingCard({ now }: { now: number }) {
  const { data, error } = usePolled('outbox:list', { limit: SHOWN }, 5_000);
  const entries = data?.entries ?? [];
  if (!data || data.total === 0) return error ? <ErrorNote error={error} /> : null;
  const failing = entries.filter((e) => e.attempts > 0).length;
  return (
    <section className="card" aria-labelledby="waiting-title" data-testid="waiting">
      <h3 id="waiting-title">Waiting to be sent</h3>
      <p>
        {data.total.toLocaleString()} {data.total === 1 ? 'change waits' : 'changes wait'} to be
        sent to central, oldest first
        {data.total > entries.length ? ` (the first ${entries.length} shown)` : ''}.
        {failing > 0
          ? ' Some failed and are tried again by themselves; the last error says why.'
          : ' None has failed.'}
      </p>
      <div className="table-scroll">
        <table className="table">
          <caption className="visually-hidden">Changes waiting to be sent</caption>
          <thead>
            <tr>
              <th scope="col">Record</th>
              <th scope="col">Waiting since</th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((entry) => (
              <tr key={`${entry.db}.${entry.coll}.${JSON.stringify(entry.docId)}`}>
                <td>
                  {entry.coll} {showValue(entry.docId)}
                  {entry.op === 'delete' ? ' (deleted)' : ''}
                </td>
                <td>
                  <time dateTime={entry.since}>{clockTime(entry.since, now)}</time>
                </td>
                <td>{stateWords(entry, now)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function stateWords(entry: OutboxEntryView, now: number): string {
  if (entry.parked) return 'Waits for you to settle its conflict (Conflicts).';
  if (entry.attempts === 0) return 'Not sent yet.';
  const tries = entry.attempts === 1 ? 'Failed once' : `Failed ${entry.attempts} times`;
  const next = entry.nextAt ? `; next try in ${duration(Date.parse(entry.nextAt) - now)}` : '';
  return `${tries}${entry.lastError ? `: ${entry.lastError}` : ''}${next}.`;
}
