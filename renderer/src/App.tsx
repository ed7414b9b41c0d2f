import { useEffect, useRef, useState } from 'react';
import type { BridgeContract } from '../../sync/api/contract.js';
import { BridgeProvider } from './bridge/bridge-context.js';
import { ErrorNote } from './components/ErrorNote.js';
import { OfflineBanner } from './components/OfflineBanner.js';
import { StatePill } from './components/StatePill.js';
import { stateWords } from './format/state-words.js';
import { useNow } from './hooks/use-now.js';
import { useStatus } from './hooks/use-status.js';
import { ActivityView } from './views/ActivityView.js';
import { ConflictsView } from './views/ConflictsView.js';
import { SettingsView } from './views/SettingsView.js';
import { StatusLoading, StatusView } from './views/StatusView.js';

declare global {
  interface Window {
    /** The Electron preload's bridge; absent in a browser, where the HTTP transport is used. */
    outpost?: BridgeContract;
  }
}

const VIEWS = [
  { id: 'status', label: 'Status' },
  { id: 'conflicts', label: 'Conflicts' },
  { id: 'settings', label: 'Settings' },
  { id: 'activity', label: 'Activity' },
] as const;
type ViewId = (typeof VIEWS)[number]['id'];

export function App({ bridge }: { bridge: BridgeContract }) {
  return (
    <BridgeProvider bridge={bridge}>
      <Shell />
    </BridgeProvider>
  );
}

function Shell() {
  const [view, setView] = useState<ViewId>('status');
  const live = useStatus();
  const now = useNow();
  const heading = useRef<HTMLHeadingElement>(null);
  const navigated = useRef(false);
  const { status } = live;
  const words = status ? stateWords(status, now) : undefined;
  const open = status?.openConflicts ?? 0;

  // After the operator picks a section, move focus to its heading (not on first load).
  useEffect(() => {
    if (navigated.current) heading.current?.focus();
  }, [view]);

  const go = (next: ViewId) => {
    navigated.current = true;
    setView(next);
  };

  return (
    <div className={`app tone-${words?.tone ?? 'busy'}`}>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="app-header">
        <h1 className="app-title">Outpost</h1>
        <StatePill words={words} />
      </header>
      {status && <OfflineBanner status={status} now={now} />}
      <nav className="app-nav" aria-label="Sections">
        <ul>
          {VIEWS.map((v) => (
            <li key={v.id}>
              <button
                type="button"
                aria-current={view === v.id ? 'page' : undefined}
                onClick={() => go(v.id)}
              >
                {v.label}
                {v.id === 'conflicts' && open > 0 && (
                  <span className="badge" data-testid="conflicts-badge">
                    {open}
                    <span className="visually-hidden"> waiting</span>
                  </span>
                )}
              </button>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" className="app-main" aria-labelledby="view-title">
        <h2 id="view-title" ref={heading} tabIndex={-1}>
          {VIEWS.find((v) => v.id === view)?.label}
        </h2>
        {status && live.error ? <ErrorNote error={live.error} /> : null}
        {view === 'status' &&
          (status && words ? (
            <StatusView
              status={status}
              words={words}
              history={live.history}
              now={now}
              onShowConflicts={() => go('conflicts')}
            />
          ) : (
            <StatusLoading error={live.error} />
          ))}
        {view === 'conflicts' && <ConflictsView now={now} onChanged={live.refresh} />}
        {view === 'settings' && (
          <SettingsView stateName={status?.state.name} onChanged={live.refresh} />
        )}
        {view === 'activity' && <ActivityView now={now} />}
      </main>
    </div>
  );
}
