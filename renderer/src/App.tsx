import type { BridgeContract } from '../../sync/api/contract.js';

declare global {
  interface Window {
    outpost?: BridgeContract;
  }
}

/** The application shell; the status, conflicts and settings views arrive with the UI issue. */
export function App() {
  return (
    <main aria-labelledby="app-title">
      <h1 id="app-title">Outpost</h1>
      <p role="status">
        {window.outpost ? 'Connected to the sync engine.' : 'Waiting for the sync engine…'}
      </p>
    </main>
  );
}
