import { randomBytes } from 'node:crypto';
import { CENTRAL_IDENTITY, SITES, TOMBSTONES } from '../../sync/engine/rules.js';

/** A database name no other test uses (MongoDB limits names to 63 bytes). */
export function uniqueDbName(prefix: string): string {
  return `${prefix.replace(/[^a-zA-Z0-9_]/g, '_').slice(0, 40)}_${randomBytes(4).toString('hex')}`;
}

/**
 * Outpost's own collections in a database at central. Tests make them before engines start: two
 * writers creating one collection at once hang the Windows mongod under Wine (see PRECREATED in
 * sync-cluster.ts).
 */
export const CENTRAL_OWN = [SITES, TOMBSTONES, CENTRAL_IDENTITY];
