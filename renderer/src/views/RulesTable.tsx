import { useState, type ReactNode } from 'react';
import type { ConfigView, JsonObject } from '../../../sync/api/contract.js';
import { useBridge } from '../bridge/bridge-context.js';
import { ErrorNote } from '../components/ErrorNote.js';
import { savedWords } from '../format/saved-words.js';
import { directionWords, strategyWords } from '../format/state-words.js';

type Rule = JsonObject & { direction?: string; strategy?: string; counters?: string[] };

interface DatabaseRules {
  name: string;
  collections?: Record<string, Rule>;
}

interface Draft {
  databases: DatabaseRules[];
  exclude: string[];
}

const DIRECTIONS = ['both', 'push', 'pull', 'local-only'];
const STRATEGIES = ['lww', 'central-wins', 'site-wins', 'merge', 'manual'];

function draftOf(config: JsonObject): Draft {
  return structuredClone({
    databases: (config['databases'] ?? []) as DatabaseRules[],
    exclude: (config['exclude'] ?? []) as string[],
  });
}

/** Why a database or collection name cannot be used, or null (the server checks it again). */
function nameProblem(
  name: string,
  taken: readonly string[],
  what: 'database' | 'collection',
): string | null {
  if (name === '') return `Type the ${what}'s name first.`;
  if (what === 'database' && /[/\\. "$*<>:|?]/.test(name))
    return `A database name cannot hold / \\ . space " $ * < > : | ? (${name}).`;
  if (what === 'collection' && name.includes('$'))
    return `A collection name cannot hold $ (${name}).`;
  if (name.startsWith('system.')) return `${name} is MongoDB's own collection; it never syncs.`;
  if (taken.includes(name)) return `${name} is already in the list.`;
  return null;
}

/**
 * The collection rules, editable: how each listed collection syncs and settles conflicts, the
 * databases synced, and the collections never synced. Saving applies them at once (the sync
 * engine restarts with them; nothing sold meanwhile is lost).
 */
export function RulesTable({
  config,
  onSaved,
}: {
  config: ConfigView | undefined;
  onSaved: () => void;
}) {
  const bridge = useBridge();
  const original = config?.config;
  const [draft, setDraft] = useState<Draft | null>(null);
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [newColl, setNewColl] = useState('');
  const [newCollDb, setNewCollDb] = useState('');
  const [newExclude, setNewExclude] = useState('');
  const [newDb, setNewDb] = useState('');

  // A fresh config (after a save, or changed elsewhere) replaces the draft, as React advises:
  // adjusted while rendering, not in an effect.
  const baseline = original ? JSON.stringify(draftOf(original)) : null;
  const [seen, setSeen] = useState<string | null>(null);
  if (baseline !== seen) {
    setSeen(baseline);
    setDraft(original ? draftOf(original) : null);
  }

  if (!original || !draft) return <p>Loading…</p>;
  const changed = JSON.stringify(draft) !== baseline;
  const writable = config.file !== null;
  const rows = draft.databases.flatMap((db) =>
    Object.entries(db.collections ?? {}).map(([coll, rule]) => ({ db: db.name, coll, rule })),
  );
  const several = draft.databases.length > 1;

  function edit(change: (next: Draft) => void) {
    const next = structuredClone(draft!);
    change(next);
    setDraft(next);
    setSaved(null);
    setProblem(null);
  }

  function setRule(db: string, coll: string, key: 'direction' | 'strategy', value: string) {
    edit((next) => {
      const rule = next.databases.find((d) => d.name === db)?.collections?.[coll];
      if (rule) rule[key] = value;
    });
  }

  function removeRule(db: string, coll: string) {
    edit((next) => {
      const found = next.databases.find((d) => d.name === db);
      if (found?.collections) delete found.collections[coll];
    });
  }

  function addRule() {
    const dbName = several ? newCollDb || draft!.databases[0]!.name : draft!.databases[0]?.name;
    if (!dbName) return setProblem('Add a database to sync first.');
    const name = newColl.trim();
    const taken = Object.keys(draft!.databases.find((d) => d.name === dbName)?.collections ?? {});
    const why = nameProblem(name, taken, 'collection');
    if (why) return setProblem(why);
    edit((next) => {
      const found = next.databases.find((d) => d.name === dbName)!;
      found.collections = { ...found.collections, [name]: { direction: 'both', strategy: 'lww' } };
    });
    setNewColl('');
  }

  function addDatabase() {
    const name = newDb.trim();
    const why = nameProblem(
      name,
      draft!.databases.map((d) => d.name),
      'database',
    );
    if (why) return setProblem(why);
    edit((next) => next.databases.push({ name, collections: {} }));
    setNewDb('');
  }

  function addExclude() {
    const name = newExclude.trim();
    const why = nameProblem(name, draft!.exclude, 'collection');
    if (why) return setProblem(why);
    edit((next) => next.exclude.push(name));
    setNewExclude('');
  }

  async function save() {
    setSaving(true);
    setError(null);
    setSaved(null);
    try {
      const reply = await bridge.invoke('config:update', {
        patch: { databases: draft!.databases, exclude: draft!.exclude },
      });
      setSaved(savedWords(reply));
      onSaved();
    } catch (failure) {
      setError(failure);
    } finally {
      setSaving(false);
    }
  }

  return (
    <>
      <p className="hint">
        Collections not listed sync both ways, and the latest change wins a conflict. Saving
        restarts sync with the new rules; sales made meanwhile wait for it, none is lost. A
        collection turned on is copied whole.
      </p>

      <h4 id="databases-title">Databases synced</h4>
      {draft.databases.length === 0 ? (
        <p>No database is set up to sync: this computer keeps its data to itself.</p>
      ) : (
        <Chips
          names={draft.databases.map((db) => db.name)}
          labelledBy="databases-title"
          removeLabel={(name) => `Stop syncing database ${name}`}
          disabled={!writable}
          onRemove={(name) =>
            edit((next) => {
              next.databases = next.databases.filter((d) => d.name !== name);
            })
          }
        />
      )}
      {writable && (
        <AddForm
          id="new-database"
          label="Database to sync"
          placeholder="database name"
          value={newDb}
          onChange={setNewDb}
          onAdd={addDatabase}
          button="Add database"
        />
      )}

      <h4>Collections with their own rule</h4>
      {rows.length > 0 ? (
        <div className="table-scroll">
          <table className="table" data-testid="rules-table">
            <thead>
              <tr>
                <th scope="col">Collection</th>
                <th scope="col">Syncs</th>
                <th scope="col">When both sides change a record</th>
                {writable && (
                  <th scope="col">
                    <span className="visually-hidden">Remove</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {rows.map(({ db, coll, rule }) => {
                const label = several ? `${db}.${coll}` : coll;
                return (
                  <tr key={`${db}.${coll}`}>
                    <th scope="row">{label}</th>
                    <td>
                      <select
                        aria-label={`How ${label} syncs`}
                        value={rule.direction ?? 'both'}
                        disabled={!writable}
                        onChange={(event) => setRule(db, coll, 'direction', event.target.value)}
                      >
                        {DIRECTIONS.map((d) => (
                          <option key={d} value={d}>
                            {directionWords(d)}
                          </option>
                        ))}
                      </select>
                    </td>
                    <td>
                      <select
                        aria-label={`Who wins in ${label}`}
                        value={rule.strategy ?? 'lww'}
                        disabled={!writable}
                        onChange={(event) => setRule(db, coll, 'strategy', event.target.value)}
                      >
                        {STRATEGIES.map((s) => (
                          <option key={s} value={s}>
                            {strategyWords(s)}
                          </option>
                        ))}
                      </select>
                      {rule.counters && rule.counters.length > 0 && (
                        <span className="hint"> Counts added up: {rule.counters.join(', ')}</span>
                      )}
                    </td>
                    {writable && (
                      <td>
                        <button
                          type="button"
                          className="button-link"
                          aria-label={`Remove the rule of ${label}`}
                          onClick={() => removeRule(db, coll)}
                        >
                          Remove
                        </button>
                      </td>
                    )}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : (
        <p>None: every collection syncs both ways.</p>
      )}
      {writable && draft.databases.length > 0 && (
        <AddForm
          id="new-rule"
          label="Collection to give a rule"
          placeholder="collection name"
          value={newColl}
          onChange={setNewColl}
          onAdd={addRule}
          button="Add rule"
        >
          {several && (
            <select
              aria-label="Database of the new rule"
              value={newCollDb || draft.databases[0]!.name}
              onChange={(event) => setNewCollDb(event.target.value)}
            >
              {draft.databases.map((db) => (
                <option key={db.name}>{db.name}</option>
              ))}
            </select>
          )}
        </AddForm>
      )}

      <h4 id="exclude-title">Never synced, in any database</h4>
      {draft.exclude.length === 0 ? (
        <p>None.</p>
      ) : (
        <Chips
          names={draft.exclude}
          labelledBy="exclude-title"
          removeLabel={(name) => `Sync ${name} again`}
          disabled={!writable}
          onRemove={(name) =>
            edit((next) => {
              next.exclude = next.exclude.filter((e) => e !== name);
            })
          }
        />
      )}
      {writable && (
        <AddForm
          id="new-exclude"
          label="Collection never to sync"
          placeholder="collection name"
          value={newExclude}
          onChange={setNewExclude}
          onAdd={addExclude}
          button="Never sync"
        />
      )}

      {problem && (
        <p className="note note-warn" role="alert">
          {problem}
        </p>
      )}
      {writable ? (
        <div className="action-row">
          <button
            type="button"
            className="button button-primary"
            disabled={!changed || saving}
            onClick={() => void save()}
          >
            {saving ? 'Saving…' : 'Save rules'}
          </button>
          <button
            type="button"
            className="button"
            disabled={!changed || saving}
            onClick={() => {
              setDraft(draftOf(original));
              setProblem(null);
            }}
          >
            Discard changes
          </button>
        </div>
      ) : (
        <p className="hint">
          This Outpost runs without a config file, so its rules cannot be changed here. Start it
          with --config &lt;file&gt;.
        </p>
      )}
      <div role="status" aria-live="polite">
        {saved && <p className="note note-ok">{saved}</p>}
      </div>
      <ErrorNote error={error} />
    </>
  );
}

/** Names in a row, each with a button that removes it. */
function Chips(props: {
  names: readonly string[];
  labelledBy: string;
  removeLabel: (name: string) => string;
  disabled: boolean;
  onRemove: (name: string) => void;
}) {
  return (
    <ul className="chips" aria-labelledby={props.labelledBy}>
      {props.names.map((name) => (
        <li key={name} className="chip">
          <span className="mono">{name}</span>
          <button
            type="button"
            className="chip-remove"
            aria-label={props.removeLabel(name)}
            disabled={props.disabled}
            onClick={() => props.onRemove(name)}
          >
            ×
          </button>
        </li>
      ))}
    </ul>
  );
}

/** One name typed and added: a field (labelled for screen readers) and its button. */
function AddForm(props: {
  id: string;
  label: string;
  placeholder: string;
  value: string;
  onChange: (value: string) => void;
  onAdd: () => void;
  button: string;
  children?: ReactNode;
}) {
  return (
    <form
      className="inline-form add-form"
      onSubmit={(event) => {
        event.preventDefault();
        props.onAdd();
      }}
    >
      {props.children}
      <label className="visually-hidden" htmlFor={props.id}>
        {props.label}
      </label>
      <input
        id={props.id}
        className="mono"
        placeholder={props.placeholder}
        value={props.value}
        onChange={(event) => props.onChange(event.target.value)}
      />
      <button type="submit" className="button">
        {props.button}
      </button>
    </form>
  );
}
