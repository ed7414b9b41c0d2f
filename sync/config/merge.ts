/**
 * Plain-data helpers for config layers. Merging follows JSON Merge Patch (RFC 7396): objects merge
 * key by key, arrays and scalars replace, `null` removes a key (so a later layer or an update can
 * unset `central.uri`), and `undefined` is ignored (so an unset override changes nothing).
 */

export type PlainObject = Record<string, unknown>;
export type PathSegment = string | number;

export function isPlainObject(value: unknown): value is PlainObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

export function mergePatch(base: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return patch;
  const out: PlainObject = isPlainObject(base) ? { ...base } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

/** Merges layers from lowest to highest precedence; absent layers are skipped. */
export function mergeLayers(layers: readonly unknown[]): PlainObject {
  return layers.reduce<PlainObject>(
    (merged, layer) => (layer === undefined ? merged : (mergePatch(merged, layer) as PlainObject)),
    {},
  );
}

/** The value at `path`, and whether it is present at all (an explicit `undefined` is absent). */
export function getPath(
  root: unknown,
  path: readonly PathSegment[],
): { found: boolean; value: unknown } {
  let current = root;
  for (const segment of path) {
    if (typeof current !== 'object' || current === null) return { found: false, value: undefined };
    const container = current as Record<PathSegment, unknown>;
    if (!Object.prototype.hasOwnProperty.call(container, segment)) {
      return { found: false, value: undefined };
    }
    current = container[segment];
  }
  return { found: current !== undefined, value: current };
}

/** `['databases', 0, 'collections', 'sales']` -> `databases[0].collections.sales`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else {
      const name = String(segment);
      // Collection names may contain dots; quote them so the path stays unambiguous.
      const plain = /^[A-Za-z_$][\w$-]*$/.test(name);
      out += plain ? (out === '' ? name : `.${name}`) : `[${JSON.stringify(name)}]`;
    }
  }
  return out;
}

/** Freezes `value` and everything reachable from it, so no part of the engine edits the config. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}
