import type { JsonObject } from '../../../sync/api/contract.js';
import { directionWords, strategyWords } from '../format/state-words.js';

interface DatabaseRules {
  name: string;
  collections?: Record<string, { direction?: string; strategy?: string; counters?: string[] }>;
}

/** How each configured collection syncs and settles conflicts; everything else syncs both ways. */
export function RulesTable({ config }: { config: JsonObject | undefined }) {
  if (!config) return <p>Loading…</p>;
  const databases = (config['databases'] ?? []) as DatabaseRules[];
  const exclude = (config['exclude'] ?? []) as string[];
  const rows = databases.flatMap((db) =>
    Object.entries(db.collections ?? {}).map(([coll, rule]) => ({ db: db.name, coll, rule })),
  );
  if (databases.length === 0) return <p>No database is set up to sync.</p>;
  return (
    <>
      <p className="hint">
        Synced: {databases.map((db) => db.name).join(', ')}. Collections not listed sync both ways,
        and the latest change wins a conflict.
      </p>
      {rows.length > 0 && (
        <div className="table-scroll">
          <table className="table" data-testid="rules-table">
            <thead>
              <tr>
                <th scope="col">Collection</th>
                <th scope="col">Syncs</th>
                <th scope="col">When both sides change a record</th>
              </tr>
            </thead>
            <tbody>
              {rows.map(({ db, coll, rule }) => (
                <tr key={`${db}.${coll}`}>
                  <th scope="row">{databases.length > 1 ? `${db}.${coll}` : coll}</th>
                  <td>{directionWords(rule.direction ?? 'both')}</td>
                  <td>
                    {strategyWords(rule.strategy ?? 'lww')}
                    {rule.counters && rule.counters.length > 0
                      ? `; counts added up: ${rule.counters.join(', ')}`
                      : ''}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {exclude.length > 0 && <p className="hint">Never synced: {exclude.join(', ')}.</p>}
    </>
  );
}
