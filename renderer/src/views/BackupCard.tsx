import { useState } from 'react';
import type { BackupListing, BackupReason, BackupReport } from '../../../sync/api/contract.js';
import { useBridge } from '../bridge/bridge-context.js';
import { ErrorNote } from '../components/ErrorNote.js';
import { ago, count, shortDelay } from '../format/time.js';
import { useNow } from '../hooks/use-now.js';
import { usePolled } from '../hooks/use-polled.js';

/** Why Outpost made a backup by itself, after "Last backup 2 minutes ago". */
const REASON_WORDS: Record<BackupReason, string> = {
  'before-first-sync': ', before the first sync',
  'before-new-central': ', before syncing with a new central',
};

/**
 * Writes a backup of the site's databases on this computer (backup:create), and says when the
 * last one was made: by hand, by the schedule, before the first sync or before syncing with a new
 * central (backup:list). Restoring is the CLI's (`outpost restore`): it is rare, and refuses to
 * write over data, which a button could not explain as well.
 */
export function BackupCard() {
  const bridge = useBridge();
  const listed = usePolled('backup:list', undefined, 60_000);
  const now = useNow(10_000);
  const [busy, setBusy] = useState(false);
  const [report, setReport] = useState<BackupReport | null>(null);
  const [error, setError] = useState<unknown>(null);

  async function backUp() {
    setBusy(true);
    setError(null);
    try {
      setReport(await bridge.invoke('backup:create', {}));
      listed.refresh();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  const backups = listed.data?.backups ?? [];
  const previous: BackupListing | undefined = backups[0];
  return (
    <section className="card" aria-labelledby="backup-title" data-testid="backup">
      <h3 id="backup-title">Backup</h3>
      <p className="hint">
        Central has every synced record, but not the collections kept on this computer only, nor
        changes not sent yet. A backup copies all of this site’s databases, as they are at one
        moment, into a new folder on this computer. Selling goes on meanwhile.
      </p>
      <div className="action-row">
        <button type="button" className="button" disabled={busy} onClick={() => void backUp()}>
          {busy ? 'Backing up…' : 'Back up now'}
        </button>
        {!report && previous && (
          <span className="muted">
            Last backup {ago(previous.at, now)}
            {previous.reason ? REASON_WORDS[previous.reason] : ''}: {previous.dir}
            {backups.length > 1 ? ` (${count(backups.length, 'backup', 'backups')} kept)` : ''}
          </span>
        )}
        {!report && listed.data && !previous && <span className="muted">No backup made yet.</span>}
      </div>
      {report && (
        <p className={`note ${report.consistent ? 'note-ok' : 'note-warn'}`} role="status">
          {summary(report)}
        </p>
      )}
      <ErrorNote error={error} />
    </section>
  );
}

function summary(report: BackupReport): string {
  const collections = report.databases.reduce((sum, db) => sum + db.collections.length, 0);
  const what = `${count(report.documents, 'record', 'records')} in ${count(collections, 'collection', 'collections')}`;
  const where = ` to ${report.dir} in ${shortDelay(report.durationMs)}.`;
  return report.consistent
    ? `Backed up ${what}${where}`
    : `Backed up ${what}${where} It took longer than a snapshot lasts, so collections were read one after another.`;
}
