import { Timestamp, type ResumeToken } from 'mongodb';

/**
 * The cluster time a change-stream resume token stands for. Tokens are KeyString-encoded and
 * begin with the event's cluster time: type byte 0x82 (Timestamp), then seconds and increment as
 * big-endian 32-bit integers. Used to advance the pull checkpoint while idle, so a site whose
 * stream carries nothing (its own tombstones are filtered out) still passes them and tombstone
 * collection can proceed. Undefined when the token is not in that form (or is null/undefined:
 * `ResumeToken` is `unknown`).
 */
export function tokenClusterTime(token: ResumeToken): Timestamp | undefined {
  const data = (token as { _data?: unknown } | null | undefined)?._data;
  if (typeof data !== 'string' || !/^82[0-9a-f]{16}/i.test(data)) return undefined;
  return new Timestamp({
    t: Number.parseInt(data.slice(2, 10), 16),
    i: Number.parseInt(data.slice(10, 18), 16),
  });
}
