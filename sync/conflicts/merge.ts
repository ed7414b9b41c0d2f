import type { Document } from 'mongodb';
import { contentHash } from '../engine/hash.js';

export interface MergeInput {
  /** The version both sides started from (the last synced state), when known. */
  base: Document | null;
  site: Document;
  central: Document;
  /** Numeric fields merged as base + site delta + central delta. */
  counters: readonly string[];
  /** Who wins a field changed on both sides when the fallback is by HLC. */
  newer: 'site' | 'central';
}

export interface MergeResult {
  merged: Document;
  /** Fields changed on both sides to different values (not counters). */
  conflicting: string[];
}

function same(a: unknown, b: unknown): boolean {
  if (a === undefined || b === undefined) return a === b;
  return contentHash({ v: a }) === contentHash({ v: b });
}

function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'object' && value !== null && 'toNumber' in value) {
    return (value as { toNumber(): number }).toNumber(); // Long, Double, Int32
  }
  return undefined;
}

/**
 * Three-way merge of top-level fields against the base. A field changed on one side only takes
 * that side's value; changed on both to the same value, that value; changed on both to different
 * values, the newer side's (by HLC) and the field is reported as conflicting. Declared counters
 * merge arithmetically, so decrements made at several sites all count.
 */
export function mergeDocuments(input: MergeInput): MergeResult {
  const { site, central, counters, newer } = input;
  const base = input.base ?? {};
  const merged: Document = {};
  const conflicting: string[] = [];
  const keys = new Set([...Object.keys(base), ...Object.keys(central), ...Object.keys(site)]);
  keys.delete('_sync');
  for (const key of keys) {
    const b: unknown = base[key];
    const s: unknown = site[key];
    const c: unknown = central[key];
    let value: unknown;
    if (
      counters.includes(key) &&
      input.base &&
      asNumber(s) !== undefined &&
      asNumber(c) !== undefined
    ) {
      const start = asNumber(b) ?? 0;
      value = asNumber(s)! + asNumber(c)! - start;
    } else if (same(s, b)) {
      value = c;
    } else if (same(c, b) || same(s, c)) {
      value = s;
    } else {
      conflicting.push(key);
      value = newer === 'site' ? s : c;
    }
    if (value !== undefined) merged[key] = value;
  }
  merged['_id'] = (site['_id'] as unknown) ?? (central['_id'] as unknown);
  return { merged, conflicting };
}

/** The winner's document with counter fields merged arithmetically (needs the base). */
export function withCounters(winner: Document, input: Omit<MergeInput, 'newer'>): Document {
  if (!input.base || input.counters.length === 0) return winner;
  const out: Document = { ...winner };
  for (const field of input.counters) {
    const b = asNumber(input.base[field]);
    const s = asNumber(input.site[field]);
    const c = asNumber(input.central[field]);
    if (s !== undefined && c !== undefined) out[field] = s + c - (b ?? 0);
  }
  return out;
}
