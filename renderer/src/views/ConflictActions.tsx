import { useId, useRef, useState } from 'react';
import type { ConflictView, ResolveConflictArgs } from '../../../sync/api/contract.js';
import { useBridge } from '../bridge/bridge-context.js';
import { ErrorNote } from '../components/ErrorNote.js';
import { checkMergedText, showValue, suggestMerge } from '../format/compare.js';

interface Props {
  conflict: ConflictView;
  onResolved: (message: string) => void;
}

/** The operator's decisions: keep a side, write an edited merge, or rename a clashing value. */
export function ConflictActions({ conflict, onResolved }: Props) {
  const bridge = useBridge();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [editing, setEditing] = useState(false);

  async function resolve(args: ResolveConflictArgs, done: string) {
    setBusy(true);
    setError(null);
    try {
      await bridge.invoke('conflicts:resolve', args);
      onResolved(done);
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  }

  const name = `${conflict.coll} ${showValue(conflict.docId)}`;
  return (
    <section className="card actions" aria-labelledby="decide-title">
      <h4 id="decide-title">Which version to keep</h4>
      <div className="action-row">
        <button
          type="button"
          className="button"
          disabled={busy || conflict.site.doc === null}
          onClick={() =>
            void resolve(
              { id: conflict.id, keep: 'site' },
              `Kept this site's version of ${name}; it is on its way to central and the other sites.`,
            )
          }
        >
          Keep this site's version
        </button>
        <button
          type="button"
          className="button"
          disabled={busy}
          onClick={() =>
            void resolve({ id: conflict.id, keep: 'central' }, `Kept central's version of ${name}.`)
          }
        >
          Keep central's version
        </button>
        <button
          type="button"
          className="button"
          aria-expanded={editing}
          aria-controls="merge-editor"
          disabled={busy}
          onClick={() => setEditing((e) => !e)}
        >
          Edit a merged version
        </button>
      </div>
      {editing && (
        <MergeEditor
          conflict={conflict}
          busy={busy}
          onSubmit={(doc) =>
            void resolve(
              { id: conflict.id, keep: 'merged', doc },
              `Saved the merged version of ${name}; it is on its way to central and the other sites.`,
            )
          }
        />
      )}
      {conflict.kind === 'unique' && (
        <RenameForm
          conflict={conflict}
          busy={busy}
          onSubmit={(field, value) =>
            void resolve(
              { id: conflict.id, keep: 'renamed', field, value },
              `Gave ${name} the new ${field} ${showValue(value)}; it will be sent again.`,
            )
          }
        />
      )}
      <ErrorNote error={error} prefix="Not resolved:" />
    </section>
  );
}

function MergeEditor({
  conflict,
  busy,
  onSubmit,
}: {
  conflict: ConflictView;
  busy: boolean;
  onSubmit: (doc: Record<string, unknown>) => void;
}) {
  const [text, setText] = useState(() =>
    JSON.stringify(
      suggestMerge(conflict.base.doc, conflict.site.doc, conflict.central.doc),
      null,
      2,
    ),
  );
  const [problem, setProblem] = useState<string | null>(null);
  const [tried, setTried] = useState(false);
  const area = useRef<HTMLTextAreaElement>(null);
  const hintId = useId();
  const errorId = useId();

  const check = (value: string) => {
    const result = checkMergedText(value, conflict.docId);
    setProblem(result.ok ? null : result.message);
    return result;
  };

  return (
    <form
      id="merge-editor"
      className="merge-editor"
      onSubmit={(event) => {
        event.preventDefault();
        setTried(true);
        const result = check(text);
        if (result.ok) onSubmit(result.doc);
        else area.current?.focus();
      }}
    >
      <label htmlFor="merge-text">Merged version (JSON)</label>
      <p id={hintId} className="hint">
        {conflict.base.doc
          ? "Starts from both sides: each field as the side that changed it has it; where both changed a field, this site's value."
          : "Starts from this site's version, plus any fields only central has."}{' '}
        Edit it, then save: it replaces the record here, at central and at every site.
      </p>
      <textarea
        id="merge-text"
        ref={area}
        value={text}
        spellCheck={false}
        rows={Math.max(6, Math.min(16, text.split('\n').length + 1))}
        aria-describedby={problem ? `${hintId} ${errorId}` : hintId}
        aria-invalid={problem !== null}
        onChange={(event) => {
          setText(event.target.value);
          if (tried) check(event.target.value);
        }}
      />
      {problem && (
        <p id={errorId} className="note note-error" role="alert" data-testid="merge-error">
          {problem}
        </p>
      )}
      <button type="submit" className="button button-primary" disabled={busy}>
        Save merged version
      </button>
    </form>
  );
}

function RenameForm({
  conflict,
  busy,
  onSubmit,
}: {
  conflict: ConflictView;
  busy: boolean;
  onSubmit: (field: string, value: string | number) => void;
}) {
  const [field, clash] = Object.entries(conflict.unique?.keyValue ?? {})[0] ?? ['', undefined];
  const [value, setValue] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  if (!field) return null;
  return (
    <form
      className="rename-form"
      onSubmit={(event) => {
        event.preventDefault();
        const trimmed = value.trim();
        if (trimmed === '' || trimmed === showValue(clash)) {
          setProblem(`Enter a ${field} that differs from ${showValue(clash)}.`);
          return;
        }
        const numeric = typeof clash === 'number' && Number.isFinite(Number(trimmed));
        if (typeof clash === 'number' && !numeric) {
          setProblem(`${field} is a number: enter digits.`);
          return;
        }
        setProblem(null);
        onSubmit(field, numeric ? Number(trimmed) : trimmed);
      }}
    >
      <label htmlFor="rename-value">New {field} for this site's record</label>
      <div className="inline-form">
        <input
          id="rename-value"
          value={value}
          placeholder={`${showValue(clash)}-2`}
          aria-invalid={problem !== null}
          onChange={(event) => setValue(event.target.value)}
        />
        <button type="submit" className="button" disabled={busy}>
          Save new value
        </button>
      </div>
      {problem && (
        <p className="note note-error" role="alert">
          {problem}
        </p>
      )}
    </form>
  );
}
