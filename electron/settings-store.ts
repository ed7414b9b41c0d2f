/**
 * The desktop app's settings in electron-store: the Outpost config as a layer for `loadConfig`
 * (stored without the central password), the password's safeStorage ciphertext beside it, and
 * shell preferences (start at login). `config:update` from the UI or the CLI saves here.
 */
import {
  configFileSchema,
  type ConfigFileInput,
  type ConfigPatch,
  type DeepReadonly,
} from '../sync/config/index.js';
import { validateConfig } from '../sync/config/load.js';
import { isPlainObject, mergePatch, type PlainObject } from '../sync/config/merge.js';
import type { ConfigWriter } from '../sync/api/handlers.js';
import { isOutpostError, type OutpostError } from '../sync/errors.js';
import {
  hasRedactedCredentials,
  joinPassword,
  splitPassword,
  withCredentialsOf,
  type CredentialVault,
} from './credentials.js';
import type { KeyValueStore } from './identity-store.js';

export const SETTINGS_KEYS = {
  config: 'config',
  /** base64 of `safeStorage.encryptString(password)`; never the password itself. */
  centralPassword: 'centralPassword',
  openAtLogin: 'openAtLogin',
} as const;

/** electron-store's surface used here (structural, so tests need no electron-store). */
export interface SettingsStore extends KeyValueStore {
  delete(key: string): void;
}

export interface DesktopSettings {
  /**
   * The stored config as a `loadConfig` layer, with the central password decrypted back into
   * `central.uri`. When it cannot be decrypted the layer goes without it and `problem` says why
   * (central then refuses the login, which the app shows; nothing is lost). A stored config that
   * fails the schema throws CONFIG_INVALID naming the settings file and the bad keys.
   */
  configLayer(): { patch: ConfigPatch; problem?: OutpostError };
  readonly configWriter: ConfigWriter;
  openAtLogin(): boolean;
  setOpenAtLogin(enabled: boolean): void;
}

export function createDesktopSettings(
  store: SettingsStore,
  vault: CredentialVault,
): DesktopSettings {
  const storedConfig = (): PlainObject => {
    const value = store.get(SETTINGS_KEYS.config);
    return isPlainObject(value) ? value : {};
  };
  const storedUri = (config: PlainObject): string | undefined => {
    const central = config['central'];
    const uri = isPlainObject(central) ? central['uri'] : undefined;
    return typeof uri === 'string' ? uri : undefined;
  };

  return {
    configLayer() {
      const config = structuredClone(storedConfig());
      validateConfig(configFileSchema, config, {
        layers: [{ value: config, label: store.path }],
        file: store.path,
        what: `The settings in ${store.path}`,
      });
      const sealed = store.get(SETTINGS_KEYS.centralPassword);
      const uri = storedUri(config);
      if (typeof sealed !== 'string' || uri === undefined) return { patch: config };
      try {
        const password = vault.open(sealed);
        (config['central'] as PlainObject)['uri'] = joinPassword(uri, password);
        return { patch: config };
      } catch (error) {
        if (!isOutpostError(error)) throw error;
        return { patch: config, problem: error };
      }
    },

    configWriter: {
      location: store.path,
      update(patch) {
        return Promise.resolve().then(() => save(patch));
      },
    },

    openAtLogin: () => store.get(SETTINGS_KEYS.openAtLogin) === true,
    setOpenAtLogin(enabled) {
      store.set(SETTINGS_KEYS.openAtLogin, enabled);
    },
  };

  /** Merges, takes the password out (sealed), validates, and only then writes anything. */
  function save(patch: DeepReadonly<ConfigPatch>): ConfigFileInput {
    const current = storedConfig();
    const next = mergePatch(current, patch) as PlainObject;
    let sealed = store.get(SETTINGS_KEYS.centralPassword);
    const nextUri = storedUri(next);
    if (nextUri === undefined) {
      sealed = undefined;
    } else if (nextUri !== storedUri(current)) {
      let uri = nextUri;
      if (hasRedactedCredentials(uri)) {
        // The UI sent back what config:get showed it: keep the stored user and password.
        const previous = storedUri(current);
        uri = previous ? withCredentialsOf(uri, previous) : uri.replace('***@', '');
        if (!previous) sealed = undefined;
      } else {
        const split = splitPassword(uri);
        uri = split.uri;
        // Throws SECURE_STORAGE_UNAVAILABLE before anything is written.
        sealed = split.password === undefined ? undefined : vault.seal(split.password);
      }
      (next['central'] as PlainObject)['uri'] = uri;
    }
    validateConfig(configFileSchema, next, {
      layers: [
        { value: patch, label: 'the update' },
        { value: current, label: store.path },
      ],
      file: store.path,
      what: `The settings in ${store.path} after this update`,
    });
    store.set(SETTINGS_KEYS.config, next);
    if (typeof sealed === 'string') store.set(SETTINGS_KEYS.centralPassword, sealed);
    else store.delete(SETTINGS_KEYS.centralPassword);
    return next;
  }
}
