import { createHash } from 'node:crypto';
import { BSON, type Document } from 'mongodb';

/**
 * Content hash of a document without the `_sync` field, independent of key order (a document
 * written back by another driver may reorder fields). Echoes of our own inbound writes and no-op
 * rewrites are recognised by comparing this hash with the one stored in `meta`.
 */
export function contentHash(doc: Document): string {
  const { _sync: _ignored, ...content } = doc;
  return createHash('sha1')
    .update(BSON.serialize(canonical(content) as Document))
    .digest('base64url');
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value === null || typeof value !== 'object') return value;
  const proto = Object.getPrototypeOf(value) as unknown;
  // BSON values (ObjectId, Decimal128, Binary...) and Dates serialise as themselves.
  if (proto !== Object.prototype && proto !== null) return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort())
    sorted[key] = canonical((value as Record<string, unknown>)[key]);
  return sorted;
}

/** The document as the application sees it: Outpost's `_sync` removed. */
export function stripSync<T extends Document>(doc: T): Omit<T, '_sync'> {
  const { _sync: _ignored, ...content } = doc;
  return content;
}
