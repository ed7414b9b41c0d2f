import { useState } from 'react';
import { useBridge } from '../bridge/bridge-context.js';
import { ErrorNote } from '../components/ErrorNote.js';
import { showValue } from '../format/compare.js';
import { clockTime } from '../format/time.js';
import { usePolled } from '../hooks/use-polled.js';

/**
 * Changes that could not be written and were set aside, with "Try again" for once their cause
 * is fixed. Shows nothing while nothing is set aside.
 */
export function SetAsideCard({ now }: { now: number }) {
  const bridge = useBridge();
  const { data, error, refresh } = usePolled('quarantine:list', { limit: 50 }, 5_000);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<string | null>(null);
  const [failure, setFailure] = useState<unknown>(null);
  const items = data?.items ?? [];
  if (items.length === 0 && !outcome) return null;

  async function retry() {
    setBusy(true);
    setFailure(null);
    try {
      const result = await bridge.invoke('quarantine:retry', {});
      const parts = [
        result.queued > 0 && `${result.queued} sent again`,
        result.applied > 0 && `${result.applied} from central saved here`,
        result.refusedAgain > 0 && `${result.refusedAgain} refused again: the cause is still there`,
      ].filter(Boolean);
      setOutcome(parts.length > 0 ? `Tried again: ${parts.join(', ')}.` : 'Nothing left to try.');
      refresh();
    } catch (caught) {
      setFailure(caught);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card" aria-labelledby="set-aside-title" data-testid="set-aside">
      <h3 id="set-aside-title">Set aside</h3>
      {items.length > 0 && (
        <>
          <p>
            {items.length === 1 ? 'This change' : `These ${items.length} changes`} could not be
            written and {items.length === 1 ? 'waits' : 'wait'} here; nothing else is held up. Fix
            the cause named below, then try again.
          </p>
          <div className="table-scroll">
            <table className="table">
              <caption className="visually-hidden">Changes set aside</caption>
              <thead>
                <tr>
                  <th scope="col">Record</th>
                  <th scope="col">Direction</th>
                  <th scope="col">Why</th>
                  <th scope="col">When</th>
                </tr>
              </thead>
              <tbody>
                {items.map((item) => (
                  <tr key={`${item.db}.${item.coll}.${JSON.stringify(item.docId)}`}>
                    <td>
                      {item.coll} {showValue(item.docId)}
                    </td>
                    <td>{item.direction === 'push' ? 'To central' : 'From central'}</td>
                    <td>{item.reason}</td>
                    <td>
                      <time dateTime={item.at}>{clockTime(item.at, now)}</time>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="action-row">
            <button type="button" className="button" disabled={busy} onClick={() => void retry()}>
              Try again
            </button>
          </div>
        </>
      )}
      {outcome && (
        <p className="note" role="status">
          {outcome}
        </p>
      )}
      <ErrorNote error={failure ?? error} />
    </section>
  );
}
