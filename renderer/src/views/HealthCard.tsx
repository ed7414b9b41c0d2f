import { ErrorNote } from '../components/ErrorNote.js';
import { usePolled } from '../hooks/use-polled.js';

/** The health checks: one line when all pass, otherwise each that does not, with what to do. */
export function HealthCard() {
  const { data, error } = usePolled('sync:get-health', undefined, 10_000);
  if (!data && !error) return null;
  const failing = (data?.checks ?? []).filter((check) => check.status !== 'pass');
  return (
    <section className="card" aria-labelledby="health-title" data-testid="health">
      <h3 id="health-title">Checks</h3>
      {data && failing.length === 0 && <p>All {data.checks.length} checks pass.</p>}
      {failing.length > 0 && (
        <ul className="activity" aria-label="Checks that need attention">
          {failing.map((check) => (
            <li
              key={check.name}
              className={`activity-item check level-${check.status === 'fail' ? 'error' : 'warn'}`}
            >
              <span className="activity-title">
                <span className="level-tag">{check.status === 'fail' ? 'Failing' : 'Warning'}</span>
                {check.label}
              </span>
              <span className="activity-detail">{check.message}</span>
            </li>
          ))}
        </ul>
      )}
      <ErrorNote error={error} />
    </section>
  );
}
