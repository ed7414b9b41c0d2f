import type { StatusView } from '../../../sync/api/contract.js';
import { count, duration } from '../format/time.js';

/**
 * Shown while central is unreachable: for how long, how many changes wait, and that sales are
 * safe. Not a live region itself (its numbers change every second); the state pill announces
 * going offline and coming back.
 */
export function OfflineBanner({ status, now }: { status: StatusView; now: number }) {
  if (status.state.name !== 'offline') return null;
  const since = Date.parse(status.offlineSince ?? status.state.since);
  const pending = status.outboxDepth;
  return (
    <section
      className="offline-banner"
      aria-labelledby="offline-title"
      data-testid="offline-banner"
    >
      <h2 id="offline-title">Central is unreachable</h2>
      <p>
        No connection to central for{' '}
        <strong data-testid="offline-duration">{duration(now - since)}</strong>.{' '}
        <strong data-testid="offline-pending">{count(pending, 'change', 'changes')}</strong>{' '}
        {pending === 1 ? 'is' : 'are'} waiting and will be sent when the connection comes back.
      </p>
      <p className="offline-safe">Sales are safe on this computer: keep selling as usual.</p>
    </section>
  );
}
