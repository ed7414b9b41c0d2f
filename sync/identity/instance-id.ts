import { createHash } from 'node:crypto';
import { ErrorCode, OutpostError, isOutpostError } from '../errors.js';
import {
  IdentityChange,
  RetireReason,
  instanceIdentityRecordSchema,
  type InstanceIdentity,
  type InstanceIdentityRecord,
} from './record.js';
import { capitalize, type IdentityStore } from './store.js';

/**
 * The instance ID names this site at central (origin of every write, key of its registration).
 * It is derived from the machine ID and stored on first run. The machine ID itself is never stored
 * or sent, only a salted hash: it is a stable hardware identifier.
 *
 * A disk image cloned onto another machine carries the stored ID along; two sites with one ID
 * would ignore each other's writes as echoes. So each run compares the stored machine hash with
 * the current one and makes a new ID when they differ.
 */

export const DEFAULT_IDENTITY_SALT = 'outpost-instance-v1';

export interface ResolveInstanceIdOptions {
  store: IdentityStore;
  /** Usually `() => machineIdSync(true)` from node-machine-id, passed in by the host. */
  machineId: () => string | Promise<string>;
  now?: () => Date;
  salt?: string;
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest();

export function machineHashOf(machineId: string, salt = DEFAULT_IDENTITY_SALT): string {
  return sha256(`${salt}:machine:${machineId}`).toString('hex');
}

// Crockford base32: no i, l, o, u, so an ID read aloud or copied by hand is not misread.
const BASE32 = '0123456789abcdefghjkmnpqrstvwxyz';

function base32(bytes: Buffer, length: number): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < length) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  return out;
}

/**
 * `op-` + 20 base32 characters (100 bits). `createdAt` is part of the input, so a clone that
 * comes back to a machine it once ran on still gets a fresh ID.
 */
export function deriveInstanceId(
  machineId: string,
  createdAt: string,
  salt = DEFAULT_IDENTITY_SALT,
): string {
  return `op-${base32(sha256(`${salt}:instance:${machineId}:${createdAt}`), 20)}`;
}

async function readRecord(store: IdentityStore): Promise<InstanceIdentityRecord | undefined> {
  let raw: unknown;
  try {
    raw = await store.read();
  } catch (cause) {
    if (isOutpostError(cause)) throw cause;
    throw new OutpostError(
      ErrorCode.IdentityStoreInvalid,
      `Could not read the instance identity from ${store.describe()}: ${String(cause)}.`,
      { cause, details: { location: store.describe() } },
    );
  }
  if (raw === undefined) return undefined;
  const parsed = instanceIdentityRecordSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(top level)',
    message: issue.message,
  }));
  // Not overwritten: the stored ID is how central knows this site; replacing it is the
  // operator's decision.
  throw new OutpostError(
    ErrorCode.IdentityStoreInvalid,
    `${capitalize(store.describe())} does not hold a valid instance identity ` +
      `(${issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}). ` +
      'It has not been changed; restore it from a backup, or remove it to make a new instance ID.',
    { details: { location: store.describe(), issues } },
  );
}

async function readMachineId(machineId: ResolveInstanceIdOptions['machineId']): Promise<string> {
  let id: unknown;
  try {
    id = await machineId();
  } catch (cause) {
    throw new OutpostError(
      ErrorCode.MachineIdUnavailable,
      `Could not read this machine's ID: ${cause instanceof Error ? cause.message : String(cause)}.`,
      { cause },
    );
  }
  // An empty ID would give every such machine the same hash, hiding clones.
  if (typeof id !== 'string' || id.trim() === '') {
    throw new OutpostError(ErrorCode.MachineIdUnavailable, "This machine's ID is empty.");
  }
  return id.trim();
}

/**
 * Returns this instance's identity, creating it on first run and replacing it (keeping the old
 * one in `history`) when the machine has changed. Writes only in those two cases.
 */
export async function resolveInstanceId(
  options: ResolveInstanceIdOptions,
): Promise<InstanceIdentity> {
  const { store } = options;
  const salt = options.salt ?? DEFAULT_IDENTITY_SALT;
  const stored = await readRecord(store);
  const machineId = await readMachineId(options.machineId);
  const machineHash = machineHashOf(machineId, salt);
  if (stored?.machineHash === machineHash) return stored;

  const createdAt = (options.now ?? (() => new Date()))().toISOString();
  const history = stored
    ? [
        ...stored.history,
        {
          instanceId: stored.instanceId,
          machineHash: stored.machineHash,
          createdAt: stored.createdAt,
          retiredAt: createdAt,
          reason: RetireReason.MachineChanged,
        },
      ]
    : [];
  const record: InstanceIdentityRecord = {
    instanceId: deriveInstanceId(machineId, createdAt, salt),
    machineHash,
    createdAt,
    history,
  };
  await store.write(record);
  return { ...record, changed: stored ? IdentityChange.MachineChanged : IdentityChange.Created };
}
