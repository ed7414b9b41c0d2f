import type { Document } from 'mongodb';
import { stripSync } from '../engine/hash.js';
import { compareVersions } from '../engine/hlc.js';
import type { CollectionRule } from '../engine/rules.js';
import { mergeDocuments, withCounters } from './merge.js';

export const ConflictKind = {
  UpdateUpdate: 'update-update',
  InsertInsert: 'insert-insert',
  /** The site deleted a document central changed. */
  DeleteUpdate: 'delete-update',
  /** The site changed a document central deleted. */
  UpdateDelete: 'update-delete',
  /** A unique index other than _id refused the site's document. */
  Unique: 'unique',
} as const;
export type ConflictKind = (typeof ConflictKind)[keyof typeof ConflictKind];

export interface ConflictSides {
  kind: ConflictKind;
  /** The site's document, null when the site deleted it. */
  site: Document | null;
  siteVersion: string;
  /** Central's document, null when central deleted it. */
  central: Document | null;
  centralVersion: string | null;
  /** The last synced state both started from, when the collection keeps it. */
  base: Document | null;
}

export type Decision =
  | { outcome: 'site' | 'central' | 'merged'; doc: Document | null; conflictingFields: string[] }
  | { outcome: 'manual'; conflictingFields: string[] };

/**
 * What a conflict resolves to under a collection's rule. Pure, so every strategy is unit-tested.
 *
 * - `lww`: the larger HLC version wins (versions end with the instance ID: ties break by it).
 * - `central-wins` / `site-wins`: as named, deletes included.
 * - `merge`: three-way merge field by field against the base; a field changed on both sides goes
 *   to the newer side (`mergeFallback: lww`) or makes the conflict manual (`mergeFallback: manual`).
 * - `manual`: always left to the operator.
 * - Delete against update follows `deleteVsUpdate` (default `update-wins`: an edit made somewhere
 *   is never lost to a delete made elsewhere) for lww and merge.
 * - Declared counter fields are merged as base + site delta + central delta in every outcome
 *   that keeps a document, so stock decremented at several sites loses nothing.
 */
export function decide(rule: CollectionRule, sides: ConflictSides): Decision {
  const strategy = rule.strategy;
  if (strategy === 'manual' || sides.kind === 'unique')
    return { outcome: 'manual', conflictingFields: [] };
  const site = sides.site ? stripSync(sides.site) : null;
  const central = sides.central ? stripSync(sides.central) : null;
  const siteNewer = compareVersions(sides.siteVersion, sides.centralVersion) > 0;
  const counted = (doc: Document | null) =>
    doc && site && central
      ? withCounters(doc, { base: sides.base, site, central, counters: rule.counters })
      : doc;
  if (strategy === 'site-wins')
    return { outcome: 'site', doc: counted(site), conflictingFields: [] };
  if (strategy === 'central-wins')
    return { outcome: 'central', doc: counted(central), conflictingFields: [] };
  if (!site || !central) {
    const updateWins = rule.deleteVsUpdate !== 'delete-wins';
    const keep = updateWins ? (site ?? central) : null;
    return { outcome: keep === site ? 'site' : 'central', doc: keep, conflictingFields: [] };
  }
  if (strategy === 'merge') {
    const { merged, conflicting } = mergeDocuments({
      base: sides.base,
      site,
      central,
      counters: rule.counters,
      newer: siteNewer ? 'site' : 'central',
    });
    if (conflicting.length > 0 && rule.mergeFallback === 'manual')
      return { outcome: 'manual', conflictingFields: conflicting };
    return { outcome: 'merged', doc: merged, conflictingFields: conflicting };
  }
  return {
    outcome: siteNewer ? 'site' : 'central',
    doc: counted(siteNewer ? site : central),
    conflictingFields: [],
  };
}
