/**
 * Connection strings carry passwords. Every log line and every error sent across IPC or HTTP goes
 * through these so that `mongodb://user:secret@host` is never written anywhere.
 */
const URI_CREDENTIALS = /(mongodb(?:\+srv)?:\/\/)([^@/\s]+)@/gi;

export function redactUri(text: string): string {
  return text.replace(URI_CREDENTIALS, '$1***@');
}

const SECRET_KEYS = new Set(['password', 'pass', 'token', 'secret', 'authorization']);

/** Deep copy of `value` with credentials removed from every string and secret-named key. */
export function redactDeep(value: unknown, depth = 0): unknown {
  if (depth > 8) return '[depth]';
  if (typeof value === 'string') return redactUri(value);
  if (Array.isArray(value)) return value.map((item) => redactDeep(item, depth + 1));
  if (value instanceof Error) {
    return {
      name: value.name,
      message: redactUri(value.message),
      code: (value as { code?: unknown }).code,
    };
  }
  if (
    typeof value === 'object' &&
    value !== null &&
    Object.getPrototypeOf(value) === Object.prototype
  ) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      out[key] = SECRET_KEYS.has(key.toLowerCase()) ? '***' : redactDeep(item, depth + 1);
    }
    return out;
  }
  return value;
}
