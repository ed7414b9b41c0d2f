import { ErrorCode, OutpostError } from '../sync/errors.js';
import type { IdentityStore } from '../sync/identity/index.js';

/**
 * The part of an electron-store instance the identity needs. Taken as a structural type so that
 * this adapter neither imports electron nor needs it in unit tests.
 */
export interface KeyValueStore {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
  readonly path: string;
}

export const IDENTITY_KEY = 'identity';

/** Keeps the instance identity under the `identity` key of the app's electron-store. */
export function createElectronIdentityStore(store: KeyValueStore): IdentityStore {
  const describe = () => `the app settings file ${store.path} (key "${IDENTITY_KEY}")`;
  return {
    describe,
    read() {
      // electron-store reads synchronously; wrapping keeps a throw a rejection, like the file store.
      return Promise.resolve().then(() => store.get(IDENTITY_KEY));
    },
    write(value) {
      return Promise.resolve().then(() => {
        try {
          // electron-store (conf) rewrites its whole file atomically (`atomically`) on every set.
          store.set(IDENTITY_KEY, value);
        } catch (cause) {
          throw new OutpostError(
            ErrorCode.IdentityStoreNotWritable,
            `Could not write the instance identity to ${describe()}: ${cause instanceof Error ? cause.message : String(cause)}.`,
            { cause, details: { location: store.path } },
          );
        }
      });
    },
  };
}
