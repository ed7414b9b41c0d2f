import { useState } from 'react';
import type { VerifyReport } from '../../../sync/api/contract.js';
import { useBridge } from '../bridge/bridge-context.js';
import { ErrorNote } from '../components/ErrorNote.js';
import { showValue } from '../format/compare.js';
import { count } from '../format/time.js';

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
  const [busy, setBusy] = useState<'check' | 'repair' | null>(null);
  const [report, setReport] = useState<VerifyReport | null>(null);
  const [error, setError] = useState<unknown>(null);

  async function run(repair: boolean) {
    setBusy(repair ? 'repair' : 'check');
    setError(null);
    try {
      setReport(await bridge.invoke('sync:verify', repair ? { repair: true } : {}));
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
        Compares every synced record here with central’s copy. A record with a change from this site
        still waiting to be sent is left to sync as usual.
      </p>
      <div className="action-row">
        <button
          type="button"
          className="button"
          disabled={busy !== null}
          onClick={() => void run(false)}
        >
          {busy === 'check' ? 'Checking…' : 'Check now'}
        </button>
        {report && !report.repair && totals!.differing > 0 && (
          <button
            type="button"
            className="button button-primary"
            disabled={busy !== null}
            onClick={() => void run(true)}
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
