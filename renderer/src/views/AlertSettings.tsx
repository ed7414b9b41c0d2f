import { useState } from 'react';
import type { ConfigView } from '../../../sync/api/contract.js';
import { useBridge } from '../bridge/bridge-context.js';
import { ErrorNote } from '../components/ErrorNote.js';
import { savedWords } from '../format/saved-words.js';

/**
 * Where health alerts are POSTed (a chat or paging webhook): try an address ("Send a test"),
 * then save it, or stop sending. The saved address is shown by its origin only: chat webhooks
 * carry their secret in the path.
 */
export function AlertSettings({
  config,
  onSaved,
}: {
  config: ConfigView | undefined;
  onSaved: () => void;
}) {
  const bridge = useBridge();
  const [url, setUrl] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; message: string } | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const current = (config?.config['alerts'] as { webhookUrl?: string } | undefined)?.webhookUrl;

  async function act(work: () => Promise<void>) {
    setBusy(true);
    setError(null);
    setResult(null);
    setSaved(null);
    try {
      await work();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  const test = () =>
    act(async () => setResult(await bridge.invoke('alerts:test', { url: url.trim() })));
  const save = (webhookUrl: string | null) =>
    act(async () => {
      const reply = await bridge.invoke('config:update', { patch: { alerts: { webhookUrl } } });
      setSaved(
        webhookUrl === null ? `Alerts are no longer sent. ${savedWords(reply)}` : savedWords(reply),
      );
      setUrl('');
      onSaved();
    });

  return (
    <section className="card" aria-labelledby="alerts-title">
      <h3 id="alerts-title">Alerts</h3>
      <p className="hint">
        When a check turns bad (central down for 5 minutes, over 1,000 changes waiting, disk nearly
        full…) and when it is fine again, Outpost notes it in Activity and can also post it to a
        chat or paging webhook. Now sending to:{' '}
        {current ? <span className="mono">{current}</span> : 'nowhere else'}
      </p>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void test();
        }}
      >
        <label htmlFor="alert-webhook">Webhook address</label>
        <input
          id="alert-webhook"
          className="mono"
          value={url}
          placeholder="https://hooks.example.com/services/…"
          autoComplete="off"
          spellCheck={false}
          aria-describedby="alert-result"
          onChange={(event) => {
            setUrl(event.target.value);
            setResult(null);
            setSaved(null);
          }}
        />
        <div className="action-row">
          <button type="submit" className="button" disabled={busy || url.trim() === ''}>
            Send a test
          </button>
          <button
            type="button"
            className="button button-primary"
            disabled={busy || result?.ok !== true}
            title={result?.ok ? undefined : 'Send a test first'}
            onClick={() => void save(url.trim())}
          >
            Save
          </button>
          {current && (
            <button
              type="button"
              className="button"
              disabled={busy}
              onClick={() => void save(null)}
            >
              Stop sending
            </button>
          )}
        </div>
      </form>
      <div id="alert-result" role="status" aria-live="polite">
        {result && (
          <p className={`note ${result.ok ? 'note-ok' : 'note-error'}`} data-testid="alert-result">
            {result.message}
          </p>
        )}
        {saved && <p className="note note-ok">{saved}</p>}
      </div>
      <ErrorNote error={error} />
    </section>
  );
}
