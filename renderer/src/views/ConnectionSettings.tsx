import { useState } from 'react';
import type { ConfigView, ConnectionTestResult } from '../../../sync/api/contract.js';
import { useBridge } from '../bridge/bridge-context.js';
import { ErrorNote } from '../components/ErrorNote.js';
import { savedWords } from '../format/saved-words.js';

/** The central connection string: try one ("Test connection"), then save it. */
export function ConnectionSettings({
  config,
  onSaved,
}: {
  config: ConfigView | undefined;
  onSaved: () => void;
}) {
  const bridge = useBridge();
  const [uri, setUri] = useState('');
  const [testing, setTesting] = useState(false);
  const [result, setResult] = useState<ConnectionTestResult | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const central = config?.config['central'] as { uri?: string } | undefined;

  async function test() {
    setTesting(true);
    setResult(null);
    setSaved(null);
    setError(null);
    try {
      setResult(await bridge.invoke('settings:test-connection', { uri }));
    } catch (failure) {
      setError(failure);
    } finally {
      setTesting(false);
    }
  }

  async function save() {
    setError(null);
    setSaved(null);
    try {
      const reply = await bridge.invoke('config:update', {
        patch: { central: { uri: uri.trim() } },
      });
      setSaved(savedWords(reply));
      onSaved();
    } catch (failure) {
      setError(failure);
    }
  }

  return (
    <section className="card" aria-labelledby="central-title">
      <h3 id="central-title">Central database</h3>
      <p className="hint">
        Now using:{' '}
        {central?.uri ? (
          <span className="mono">{central.uri}</span>
        ) : (
          'none (this computer keeps its sales locally only)'
        )}
      </p>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void test();
        }}
      >
        <label htmlFor="central-uri">Central connection string</label>
        <input
          id="central-uri"
          className="mono"
          value={uri}
          placeholder="mongodb+srv://user:password@cluster0.example.mongodb.net"
          autoComplete="off"
          spellCheck={false}
          aria-describedby="central-result"
          aria-invalid={result !== null && !result.ok}
          onChange={(event) => {
            setUri(event.target.value);
            setResult(null);
            setSaved(null);
          }}
        />
        <div className="action-row">
          <button type="submit" className="button" disabled={testing}>
            {testing ? 'Testing…' : 'Test connection'}
          </button>
          <button
            type="button"
            className="button button-primary"
            disabled={testing || result?.ok !== true}
            title={result?.ok ? undefined : 'Test the connection first'}
            onClick={() => void save()}
          >
            Save
          </button>
        </div>
      </form>
      <div id="central-result" role="status" aria-live="polite">
        {testing && <p className="note">Trying to connect (up to 5 seconds)…</p>}
        {result && (
          <p
            className={`note ${result.ok ? 'note-ok' : 'note-error'}`}
            data-testid="connection-result"
          >
            <strong>{result.ok ? 'Connection works. ' : 'Cannot use this connection. '}</strong>
            {result.message}
          </p>
        )}
        {result?.afterSave?.map((note) => (
          <p key={note} className="note note-warn" data-testid="connection-after-save">
            {note}
          </p>
        ))}
        {saved && <p className="note note-ok">{saved}</p>}
      </div>
      <ErrorNote error={error} />
    </section>
  );
}
