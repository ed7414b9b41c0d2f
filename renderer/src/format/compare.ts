/**
 * Field-by-field comparison of a conflict's three versions (base, this site, central), for the
 * side-by-side view, and the starting point of the merge editor. Top-level fields only: a nested
 * value is compared and shown whole.
 */
import type { JsonObject } from '../../../sync/api/contract.js';

export interface FieldRow {
  field: string;
  base: unknown;
  site: unknown;
  central: unknown;
  /** Site and central hold different values (or one lacks the field). */
  differs: boolean;
  siteChanged: boolean;
  centralChanged: boolean;
}

/** Reserved sync metadata on central documents; never shown, never merged. */
const HIDDEN = new Set(['_sync']);

/** JSON with object keys sorted, so equal values compare equal whatever their key order. */
export function stableJson(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const same = (a: unknown, b: unknown) => stableJson(a) === stableJson(b);

export function compareVersions(
  base: JsonObject | null,
  site: JsonObject | null,
  central: JsonObject | null,
): FieldRow[] {
  const fields: string[] = [];
  for (const doc of [site, central, base])
    for (const key of Object.keys(doc ?? {}))
      if (!HIDDEN.has(key) && !fields.includes(key)) fields.push(key);
  fields.sort((a, b) => (a === '_id' ? -1 : b === '_id' ? 1 : 0));
  return fields.map((field) => {
    const b = base?.[field];
    const s = site?.[field];
    const c = central?.[field];
    return {
      field,
      base: b,
      site: s,
      central: c,
      differs: !same(s, c),
      siteChanged: base !== null && !same(s, b),
      centralChanged: base !== null && !same(c, b),
    };
  });
}

/** A value as shown in a cell: text plain, everything else as compact JSON. */
export function showValue(value: unknown): string {
  if (value === undefined) return '—';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/**
 * The merge the editor starts from: each field from the side that changed it; a field both sides
 * changed takes this site's value, for the operator to review. With one side deleted, the other.
 */
export function suggestMerge(
  base: JsonObject | null,
  site: JsonObject | null,
  central: JsonObject | null,
): JsonObject {
  if (!site) return strip(central ?? {});
  if (!central) return strip(site);
  const merged: JsonObject = {};
  for (const row of compareVersions(base, site, central)) {
    // Without a base nothing says who changed what: this site's values, plus central's extra fields.
    const fromCentral =
      base === null ? row.site === undefined : row.centralChanged && !row.siteChanged;
    const value = fromCentral ? row.central : row.site;
    if (value !== undefined) merged[row.field] = value;
  }
  return merged;
}

function strip(doc: JsonObject): JsonObject {
  return Object.fromEntries(Object.entries(doc).filter(([key]) => !HIDDEN.has(key)));
}

export type MergeCheck = { ok: true; doc: JsonObject } | { ok: false; message: string };

/** Checks the editor's text before it is sent: JSON, an object, the conflict's own _id. */
export function checkMergedText(text: string, docId: unknown): MergeCheck {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, message: `This is not valid JSON: ${reason}` };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return {
      ok: false,
      message: 'The merged version must be one JSON object: { "field": value }.',
    };
  }
  const doc = parsed as JsonObject;
  if ('_id' in doc && !same(doc['_id'], docId)) {
    return {
      ok: false,
      message: `The merged version must keep the record's _id (${showValue(docId)}).`,
    };
  }
  const reserved = Object.keys(doc).find((key) => key.startsWith('$') || HIDDEN.has(key));
  if (reserved) return { ok: false, message: `The field name "${reserved}" is reserved.` };
  return { ok: true, doc: { ...doc, _id: docId } };
}
