import { errorWords } from '../format/error-words.js';

/** A failed call, in words, announced to screen readers. */
export function ErrorNote({ error, prefix }: { error: unknown; prefix?: string }) {
  if (error === null || error === undefined) return null;
  return (
    <p className="note note-error" role="alert">
      {prefix ? `${prefix} ` : ''}
      {errorWords(error)}
    </p>
  );
}
