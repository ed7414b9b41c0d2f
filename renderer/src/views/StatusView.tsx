import type { PreparingStep, StatusView as Status } from '../../../sync/api/contract.js';
import { ErrorNote } from '../components/ErrorNote.js';
import { Sparkline } from '../components/Sparkline.js';
import type { StateWords } from '../format/state-words.js';
import { ago, count, duration, rate, shortDelay } from '../format/time.js';
import type { RateSample } from '../hooks/use-status.js';
import { CollectionsTable } from './CollectionsTable.js';
import { HealthCard } from './HealthCard.js';
import { VerifyCard } from './VerifyCard.js';

interface Props {
  status: Status;
  words: StateWords;
  history: RateSample[];
  now: number;
  onShowConflicts: () => void;
}

/** What a database's sync waits for before it starts, in words. */
const PREPARING: Record<PreparingStep, (db: string) => string> = {
  'backup-before-first-sync': (db) => `Backing up ${db} on this computer before its first sync`,
  'backup-before-new-central': (db) =>
    `Backing up ${db} on this computer before it syncs with the new central`,
  'queueing-for-new-central': (db) => `Queueing every record of ${db} for the new central`,
  'reading-moved-central': (db) => `Reading deletes made at central since ${db} last synced`,
};

/** The overview: state in words, the numbers that matter, activity, and each collection. */
export function StatusView({ status, words, history, now, onShowConflicts }: Props) {
  const lastSync = status.lastSyncAt;
  return (
    <>
      {/* Offline, the banner above says it all; the card would repeat it. */}
      {status.state.name !== 'offline' && (
        <section className={`card state-card tone-${words.tone}`} aria-labelledby="state-title">
          <h3 id="state-title" className="state-title" data-testid="state-title">
            <span className="state-dot" aria-hidden="true" />
            {words.title}
          </h3>
          <p className="state-detail">{words.detail}</p>
          {status.openConflicts > 0 && (
            <button type="button" className="button button-primary" onClick={onShowConflicts}>
              Review {count(status.openConflicts, 'conflict', 'conflicts')}
            </button>
          )}
        </section>
      )}

      <section className="card" aria-labelledby="numbers-title">
        <h3 id="numbers-title">At a glance</h3>
        <dl className="facts">
          <div>
            <dt>Last sync</dt>
            <dd data-testid="last-sync" title={lastSync ?? undefined}>
              {ago(lastSync, now)}
            </dd>
          </div>
          <div>
            <dt>Changes waiting</dt>
            <dd data-testid="pending-count">{status.outboxDepth.toLocaleString()}</dd>
          </div>
          <div>
            <dt>Oldest waiting</dt>
            <dd data-testid="oldest-unsynced">
              {status.oldestUnsyncedAgeMs === null ? '—' : duration(status.oldestUnsyncedAgeMs)}
            </dd>
          </div>
          <div>
            <dt>Delay from central</dt>
            <dd data-testid="lag">{shortDelay(status.counters.lastPullLagMs)}</dd>
          </div>
          <div>
            <dt>Sending</dt>
            <dd data-testid="push-rate">{rate(status.rates.pushedPerSecond)}</dd>
          </div>
          <div>
            <dt>Receiving</dt>
            <dd data-testid="pull-rate">{rate(status.rates.pulledPerSecond)}</dd>
          </div>
        </dl>
        <Sparkline samples={history} />
        {status.quarantined > 0 && (
          <p className="note note-warn">
            {count(status.quarantined, 'change', 'changes')} could not be written and{' '}
            {status.quarantined === 1 ? 'was' : 'were'} set aside; see Activity to try again.
          </p>
        )}
        {status.preparing.map((p) => (
          <p className="note" key={`preparing-${p.db}`} data-testid="preparing">
            {PREPARING[p.step](p.db)} (started {ago(p.since, now)}).{' '}
            {`Nothing is sent or received for ${p.db} until then; sales keep being saved.`}
          </p>
        ))}
        {status.bootstrap
          .filter((b) => b.done < b.total)
          .map((b) => (
            <p className="note" key={b.db}>
              Copying {b.db} from central: {b.done.toLocaleString()} of {b.total.toLocaleString()}.
            </p>
          ))}
      </section>

      <HealthCard />

      <section className="card" aria-labelledby="collections-title">
        <h3 id="collections-title">Collections</h3>
        <CollectionsTable />
      </section>

      <VerifyCard />
    </>
  );
}

export function StatusLoading({ error }: { error: unknown }) {
  return (
    <section className="card">
      <p>Asking Outpost for its status…</p>
      <ErrorNote error={error} />
    </section>
  );
}
