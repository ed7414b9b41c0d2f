/**
 * A site database synced with a central database of another name (`databases[].centralName`, or
 * `central.database` for the only one): central's client as the engine sees it, where
 * `db(siteName)` opens the central database it maps to. Every central read and write of the
 * engine goes through `db(name)`, so the engine itself works with the site's names only.
 */
import type { DbOptions, MongoClient } from 'mongodb';

export function withCentralNames(
  client: MongoClient,
  names: ReadonlyMap<string, string>,
): MongoClient {
  if ([...names].every(([site, central]) => site === central)) return client;
  return new Proxy(client, {
    get(target, prop, receiver) {
      if (prop === 'db')
        return (name?: string, options?: DbOptions) =>
          target.db(name === undefined ? name : (names.get(name) ?? name), options);
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function'
        ? (value as (...a: unknown[]) => unknown).bind(target)
        : value;
    },
  });
}
