import { z } from 'zod';

/**
 * The persisted instance identity. Checked on every read, so that a hand-edited or corrupted
 * store is reported instead of silently replaced (a new ID registers as a new site at central).
 */

export const RetireReason = { MachineChanged: 'machine-changed' } as const;
export type RetireReason = (typeof RetireReason)[keyof typeof RetireReason];

const machineHash = z.string().regex(/^[0-9a-f]{64}$/, { error: 'a sha256 hex digest' });
// `op-` and 20 characters of Crockford base32 (no i, l, o, u: easy to read out over the phone).
const instanceId = z
  .string()
  .regex(/^op-[0-9a-hjkmnp-tv-z]{20}$/, { error: 'op- and 20 base32 characters' });
const timestamp = z.iso.datetime({ error: 'an ISO 8601 UTC timestamp' });

export const retiredIdentitySchema = z.object({
  instanceId,
  machineHash,
  createdAt: timestamp,
  retiredAt: timestamp,
  reason: z.enum([RetireReason.MachineChanged]),
});

export const instanceIdentityRecordSchema = z.object({
  instanceId,
  machineHash,
  createdAt: timestamp,
  history: z.array(retiredIdentitySchema),
});

export type RetiredIdentity = z.output<typeof retiredIdentitySchema>;
export type InstanceIdentityRecord = z.output<typeof instanceIdentityRecordSchema>;

export const IdentityChange = { Created: 'created', MachineChanged: 'machine-changed' } as const;
export type IdentityChange = (typeof IdentityChange)[keyof typeof IdentityChange];

export interface InstanceIdentity extends InstanceIdentityRecord {
  /** Set when this call made a new ID: on first run, or after the disk moved to another machine. */
  changed?: IdentityChange | undefined;
}
