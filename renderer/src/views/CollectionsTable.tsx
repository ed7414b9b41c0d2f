import { ErrorNote } from '../components/ErrorNote.js';
import { directionWords } from '../format/state-words.js';
import { usePolled } from '../hooks/use-polled.js';

const num = (n: number | null) => (n === null ? '—' : n.toLocaleString());

/** Each synced collection: direction, documents here and at central, changes waiting. */
export function CollectionsTable() {
  const { data, error } = usePolled('collections:list', {}, 3_000);
  const collections = data?.collections ?? [];
  const showDb = new Set(collections.map((c) => c.db)).size > 1;
  if (!data) return error ? <ErrorNote error={error} /> : <p>Loading…</p>;
  if (collections.length === 0) return <p>No collections are synced yet.</p>;
  return (
    <div className="table-scroll">
      <table className="table" data-testid="collections-table">
        <caption className="visually-hidden">
          Synced collections: records on this computer and at central, and changes waiting
        </caption>
        <thead>
          <tr>
            <th scope="col">Collection</th>
            <th scope="col">Syncs</th>
            <th scope="col" className="num">
              Here
            </th>
            <th scope="col" className="num">
              Central
            </th>
            <th scope="col" className="num">
              Waiting
            </th>
          </tr>
        </thead>
        <tbody>
          {collections.map((c) => (
            <tr key={`${c.db}.${c.coll}`}>
              <th scope="row">{showDb ? `${c.db}.${c.coll}` : c.coll}</th>
              <td>{directionWords(c.direction)}</td>
              <td className="num">{num(c.local)}</td>
              <td className="num">{num(c.central)}</td>
              <td className="num">{c.pending.toLocaleString()}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="hint">
        Counts at central are refreshed every 30 seconds (— while central cannot be reached).
      </p>
      <ErrorNote error={error} />
    </div>
  );
}
