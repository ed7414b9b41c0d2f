/**
 * Human output of the CLI: plain-text tables (ASCII only, so a Windows console shows them as
 * they are) and short forms of times and numbers. `--json` output never goes through here.
 */
import { formatBytes, formatDuration } from '../../status/format.js';

export type Align = 'left' | 'right';

export interface Column<Row> {
  header: string;
  value: (row: Row) => string | number | null | undefined;
  align?: Align;
  /** Longer cells are cut with an ellipsis. */
  maxWidth?: number;
}

/** Lines of a table: a header, a rule, then one line per row; columns two spaces apart. */
export function renderTable<Row>(columns: readonly Column<Row>[], rows: readonly Row[]): string[] {
  const cells = rows.map((row) =>
    columns.map((column) => cell(column.value(row), column.maxWidth)),
  );
  const widths = columns.map((column, i) =>
    Math.max(column.header.length, ...cells.map((line) => line[i]!.length)),
  );
  const line = (values: readonly string[]) =>
    values
      .map((value, i) =>
        columns[i]!.align === 'right' ? value.padStart(widths[i]!) : value.padEnd(widths[i]!),
      )
      .join('  ')
      .trimEnd();
  return [
    line(columns.map((column) => column.header)),
    line(widths.map((width) => '-'.repeat(width))),
    ...cells.map(line),
  ];
}

/** `label  value` lines with the labels padded to one width. */
export function renderPairs(pairs: readonly (readonly [string, string])[]): string[] {
  const width = Math.max(0, ...pairs.map(([label]) => label.length));
  return pairs.map(([label, value]) => `${label.padEnd(width)}  ${value}`.trimEnd());
}

function cell(value: string | number | null | undefined, maxWidth?: number): string {
  const text = value === null || value === undefined || value === '' ? '-' : String(value);
  const flat = text.replace(/\s+/g, ' ');
  return maxWidth !== undefined && flat.length > maxWidth
    ? `${flat.slice(0, Math.max(1, maxWidth - 3))}...`
    : flat;
}

export function formatAge(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? '-' : formatDuration(ms);
}

export function formatSince(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return 'never';
  return `${iso} (${formatDuration(Math.max(0, now - Date.parse(iso)))} ago)`;
}

export function formatCount(value: number | null | undefined): string {
  return value === null || value === undefined ? '-' : String(value);
}

/** Status words with a marker that survives without colour: `ok`, `WARN`, `FAIL`. */
export function statusLabel(status: 'pass' | 'warn' | 'fail'): string {
  return status === 'pass' ? 'ok' : status.toUpperCase();
}

/** An id of a document in relaxed Extended JSON, short enough for a table. */
export function formatDocId(id: unknown): string {
  if (typeof id === 'string') return id;
  if (id && typeof id === 'object' && '$oid' in id) return String(id.$oid);
  return JSON.stringify(id) ?? '-';
}

export { formatBytes, formatDuration };
