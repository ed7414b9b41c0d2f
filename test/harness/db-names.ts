import { randomBytes } from 'node:crypto';

/** A database name no other test uses (MongoDB limits names to 63 bytes). */
export function uniqueDbName(prefix: string): string {
  return `${prefix.replace(/[^a-zA-Z0-9_]/g, '_').slice(0, 40)}_${randomBytes(4).toString('hex')}`;
}
