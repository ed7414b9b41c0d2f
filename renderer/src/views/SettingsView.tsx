import { useState } from 'react';
import type { EngineStateName, SyncRunView } from '../../../sync/api/contract.js';
import { useBridge } from '../bridge/bridge-context.js';
import { ErrorNote } from '../components/ErrorNote.js';
import { count } from '../format/time.js';
import { usePolled } from '../hooks/use-polled.js';
import { AlertSettings } from './AlertSettings.js';
import { BackupCard } from './BackupCard.js';
import { ConnectionSettings } from './ConnectionSettings.js';
import { RulesTable } from './RulesTable.js';

interface Props {
  stateName: EngineStateName | undefined;
  onChanged: () => void;
}

/** Central connection, sync controls, the POS connection string and the collection rules. */
export function SettingsView({ stateName, onChanged }: Props) {
  const info = usePolled('app:get-info', undefined, 30_000);
  const config = usePolled('config:get', undefined, 30_000);
  return (
    <>
      <SyncControls stateName={stateName} onChanged={onChanged} />
      <ConnectionSettings config={config.data} onSaved={config.refresh} />
      <AlertSettings config={config.data} onSaved={config.refresh} />
      <PosConnection localUri={info.data?.localUri ?? null} />
      <section className="card" aria-labelledby="rules-title">
        <h3 id="rules-title">Collection rules</h3>
        <RulesTable config={config.data} onSaved={config.refresh} />
        <ErrorNote error={config.error} />
      </section>
      <BackupCard />
      {info.data && (
        <section className="card" aria-labelledby="about-title">
          <h3 id="about-title">About this computer</h3>
          <dl className="facts facts-wide">
            <div>
              <dt>Outpost version</dt>
              <dd>{info.data.version}</dd>
            </div>
            <div>
              <dt>Site identity</dt>
              <dd className="mono">{info.data.instanceId}</dd>
            </div>
          </dl>
        </section>
      )}
    </>
  );
}

function SyncControls({ stateName, onChanged }: Props) {
  const bridge = useBridge();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const paused = stateName === 'paused';
  const canControl =
    stateName !== undefined && stateName !== 'local-only' && stateName !== 'stopped';

  async function run(call: 'sync:pause' | 'sync:resume', message: string) {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      await bridge.invoke(call, undefined);
      setDone(message);
      onChanged();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  /** Syncs now and waits (up to 30 s) to say what moved. */
  async function syncNow() {
    setBusy(true);
    setError(null);
    setDone('Syncing…');
    try {
      const { run: report } = await bridge.invoke('sync:run-now', {
        wait: true,
        timeoutMs: 30_000,
      });
      setDone(report ? runWords(report) : 'Sync requested.');
      onChanged();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card" aria-labelledby="controls-title">
      <h3 id="controls-title">Sync</h3>
      <div className="action-row">
        {paused ? (
          <button
            type="button"
            className="button button-primary"
            disabled={busy}
            onClick={() => void run('sync:resume', 'Sync resumed.')}
          >
            Resume sync
          </button>
        ) : (
          <button
            type="button"
            className="button"
            disabled={busy || !canControl}
            onClick={() =>
              void run('sync:pause', 'Sync paused. Sales keep being saved on this computer.')
            }
          >
            Pause sync
          </button>
        )}
        <button
          type="button"
          className="button"
          disabled={busy || paused || !canControl}
          onClick={() => void syncNow()}
        >
          {busy && done === 'Syncing…' ? 'Syncing…' : 'Sync now'}
        </button>
      </div>
      {done && (
        <p className="note note-ok" role="status">
          {done}
        </p>
      )}
      <ErrorNote error={error} />
    </section>
  );
}

function runWords(run: SyncRunView): string {
  const moved = `${count(run.pushed, 'change', 'changes')} sent, ${run.pulled.toLocaleString()} received`;
  const conflicts = run.conflicts > 0 ? `, ${count(run.conflicts, 'conflict', 'conflicts')}` : '';
  const where =
    run.collections.length > 0 && run.collections.length <= 6
      ? ` (${run.collections.map(collectionWords).join('; ')})`
      : '';
  if (run.complete) return `In sync: ${moved}${conflicts}${where}.`;
  return (
    `Not finished: ${count(run.waiting, 'change', 'changes')} still waiting ` +
    `(${moved}${conflicts} meanwhile). Outpost keeps trying by itself.`
  );
}

function collectionWords(c: SyncRunView['collections'][number]): string {
  const parts = [
    c.pushed > 0 ? `${c.pushed.toLocaleString()} sent` : '',
    c.pulled > 0 ? `${c.pulled.toLocaleString()} received` : '',
    c.conflicts > 0 ? count(c.conflicts, 'conflict', 'conflicts') : '',
  ].filter(Boolean);
  return `${c.coll}: ${parts.join(', ')}`;
}

function PosConnection({ localUri }: { localUri: string | null }) {
  const [copied, setCopied] = useState<string | null>(null);
  async function copy() {
    if (!localUri) return;
    try {
      await navigator.clipboard.writeText(localUri);
      setCopied('Copied. Paste it into the point-of-sale software’s database setting.');
    } catch {
      const field = document.getElementById('local-uri') as HTMLInputElement | null;
      field?.select();
      setCopied('Selected: press Ctrl+C to copy it.');
    }
  }
  return (
    <section className="card" aria-labelledby="pos-title">
      <h3 id="pos-title">Point-of-sale connection</h3>
      <p className="hint">
        The point-of-sale software connects to the database on this computer with this connection
        string.
        {localUri?.includes('@') &&
          ' It holds the password that database asks for: give it to the point-of-sale software only.'}
      </p>
      <div className="inline-form">
        <label htmlFor="local-uri" className="visually-hidden">
          Local connection string
        </label>
        <input
          id="local-uri"
          className="mono"
          readOnly
          value={localUri ?? 'The local database is not running.'}
          onFocus={(event) => event.target.select()}
        />
        <button type="button" className="button" disabled={!localUri} onClick={() => void copy()}>
          Copy
        </button>
      </div>
      {copied && (
        <p className="note note-ok" role="status">
          {copied}
        </p>
      )}
    </section>
  );
}
