import { useState } from 'react';
import type { VerifyReport } from '../../../sync/api/contract.js';
import { useBridge } from '../bridge/bridge-context.js';
import { ErrorNote } from '../components/ErrorNote.js';
import { showValue } from '../format/compare.js';
import { count } from '../format/time.js';
import { usePolled } from '../hooks/use-polled.js';

const ACTIONS = {
  'restore-from-central': 'take central’s copy',
  'delete-local': 'delete it here (central deleted it)',
  'queue-push': 'send this site’s copy',
} as const;

const KINDS = { changed: 'differs', missing: 'missing here', extra: 'not at central' } as const;

/**
 * Compares the site's synced documents with central's (verify) and, when some differ with no
 * change of this site waiting to explain it, re-syncs them on request (repair).
 */
export function VerifyCard() {
  const bridge = useBridge();
  const listed = usePolled('collections:list', {}, 30_000);
  const [busy, setBusy] = useState<'check' | 'repair' | null>(null);
  const [report, setReport] = useState<VerifyReport | null>(null);
  const [error, setError] = useState<unknown>(null);
  /** `db.coll` of the one collection to check, or '' for all of them. */
  const [target, setTarget] = useState('');
  /** What the shown report covers: a repair covers the same. */
  const [checked, setChecked] = useState('');
  const collections = (listed.data?.collections ?? []).filter((c) => c.direction !== 'local-only');
  const showDb = new Set(collections.map((c) => c.db)).size > 1;

  async function run(repair: boolean, scope: string) {
    setBusy(repair ? 'repair' : 'check');
    setError(null);
    const one = collections.find((c) => `${c.db}.${c.coll}` === scope);
    try {
      setReport(
        await bridge.invoke('sync:verify', {
          ...(one ? { db: one.db, colls: [one.coll] } : {}),
          ...(repair ? { repair: true } : {}),
        }),
      );
      setChecked(scope);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(null);
    }
  }

  const totals = report?.totals;
  const differences =
    report?.collections.flatMap((c) => c.differences.map((d) => ({ ...d, coll: c.coll }))) ?? [];
  return (
    <section className="card" aria-labelledby="verify-title" data-testid="verify">
      <h3 id="verify-title">Check against central</h3>
      <p>
        Compares the synced records here with central’s copies, in every collection or in one, and
        re-syncs those that differ on request. A record with a change from this site still waiting
        to be sent is left to sync as usual.
      </p>
      <div className="action-row">
        <select
          aria-label="Collections to check"
          value={target}
          disabled={busy !== null}
          onChange={(event) => setTarget(event.target.value)}
        >
          <option value="">All synced collections</option>
          {collections.map((c) => (
            <option key={`${c.db}.${c.coll}`} value={`${c.db}.${c.coll}`}>
              {showDb ? `${c.db}.${c.coll}` : c.coll}
            </option>
          ))}
        </select>
        <button
          type="button"
          className="button"
          disabled={busy !== null}
          onClick={() => void run(false, target)}
        >
          {busy === 'check' ? 'Checking…' : 'Check now'}
        </button>
        {report && !report.repair && totals!.differing > 0 && (
          <button
            type="button"
            className="button button-primary"
            disabled={busy !== null}
            onClick={() => void run(true, checked)}
          >
            {busy === 'repair'
              ? 'Repairing…'
              : `Repair ${count(totals!.differing, 'record', 'records')}`}
          </button>
        )}
      </div>
      {report && totals && (
        <p className={`note ${totals.remaining > 0 ? 'note-warn' : 'note-ok'}`} role="status">
          {summary(report)}
        </p>
      )}
      {differences.length > 0 && (
        <div className="table-scroll">
          <table className="table">
            <caption className="visually-hidden">Records that differ from central</caption>
            <thead>
              <tr>
                <th scope="col">Record</th>
                <th scope="col">Found</th>
                <th scope="col">{report!.repair ? 'Done' : 'Repair would'}</th>
              </tr>
            </thead>
            <tbody>
              {differences.map((d) => (
                <tr key={`${d.coll}.${JSON.stringify(d.id)}`}>
                  <td>
                    {d.coll} {showValue(d.id)}
                  </td>
                  <td>{KINDS[d.kind]}</td>
                  <td>
                    {report!.repair
                      ? d.repaired
                        ? ACTIONS[d.action]
                        : 'not yet: it changed meanwhile'
                      : ACTIONS[d.action]}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <ErrorNote error={error} />
    </section>
  );
}

function summary(report: VerifyReport): string {
  const { totals } = report;
  const checked = `${count(totals.compared, 'record', 'records')} in ${count(totals.collections, 'collection', 'collections')}`;
  const waiting =
    totals.pending > 0
      ? ` ${count(totals.pending, 'record', 'records')} with a change waiting to be sent.`
      : '';
  if (totals.differing === 0) return `All match: ${checked} checked.${waiting}`;
  if (!report.repair)
    return `${count(totals.differing, 'record differs', 'records differ')} from central (${checked} checked).${waiting}`;
  return totals.remaining > 0
    ? `Repaired ${totals.repaired} of ${totals.differing}; ${totals.remaining} changed meanwhile: check again.${waiting}`
    : `Repaired ${count(totals.repaired, 'record', 'records')}.${waiting}`;
}
