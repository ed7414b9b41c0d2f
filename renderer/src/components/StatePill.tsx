import type { StateWords } from '../format/state-words.js';

/** The state in words and colour; a live region, so a change of state is announced. */
export function StatePill({ words }: { words: StateWords | undefined }) {
  return (
    <p
      className={`state-pill tone-${words?.tone ?? 'busy'}`}
      role="status"
      aria-live="polite"
      data-testid="state-pill"
    >
      <span className="state-dot" aria-hidden="true" />
      <span>{words?.title ?? 'Connecting to Outpost…'}</span>
    </p>
  );
}
