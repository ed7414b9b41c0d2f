import { beforeEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../sync/config/index.js';
import { isOutpostError } from '../sync/errors.js';
import {
  createCredentialVault,
  joinPassword,
  secureStorageStatus,
  splitPassword,
} from './credentials.js';
import { SETTINGS_KEYS, createDesktopSettings, type SettingsStore } from './settings-store.js';
import { resetFakeElectron, safeStorage } from './testing/fake-electron.js';

vi.mock('electron', () => import('./testing/fake-electron.js'));

beforeEach(() => resetFakeElectron());

/** electron-store's surface, in memory, serialised like the JSON file it writes. */
function memoryStore(): SettingsStore & { file(): string } {
  let data: Record<string, unknown> = {};
  return {
    path: '/home/till/.config/Outpost/settings.json',
    get: (key) => data[key],
    set: (key, value) => {
      data = { ...data, [key]: JSON.parse(JSON.stringify(value)) as unknown };
    },
    delete: (key) => {
      const { [key]: _gone, ...rest } = data;
      data = rest;
    },
    file: () => JSON.stringify(data),
  };
}

const URI = 'mongodb+srv://pos:s3cr%40t@cluster0.example.net/?retryWrites=true';

describe('splitPassword / joinPassword', () => {
  it('takes the password out and puts it back, percent-encoding untouched', () => {
    expect(splitPassword(URI)).toEqual({
      uri: 'mongodb+srv://pos@cluster0.example.net/?retryWrites=true',
      password: 's3cr%40t',
    });
    expect(joinPassword(splitPassword(URI).uri, 's3cr%40t')).toBe(URI);
  });

  it('leaves strings without a password alone, several hosts included', () => {
    for (const uri of [
      'mongodb://a.example:27017,b.example:27017/?replicaSet=rs0',
      'mongodb://reader@a.example,b.example/',
    ]) {
      expect(splitPassword(uri)).toEqual({ uri });
    }
    expect(splitPassword('mongodb://u:p@a.example:1,b.example:2/?replicaSet=rs0')).toEqual({
      uri: 'mongodb://u@a.example:1,b.example:2/?replicaSet=rs0',
      password: 'p',
    });
  });
});

describe('secureStorageStatus', () => {
  it('is available with a keyring', () => {
    expect(secureStorageStatus(safeStorage as never, 'linux')).toEqual({ available: true });
    expect(secureStorageStatus(safeStorage as never, 'win32')).toEqual({ available: true });
  });

  it('counts Linux basic_text (a hard-coded key) as unavailable', () => {
    safeStorage.backend = 'basic_text';
    const status = secureStorageStatus(safeStorage, 'linux');
    expect(status.available).toBe(false);
    expect(!status.available && status.reason).toContain('basic_text');
    // Elsewhere the backend question does not arise.
    expect(secureStorageStatus(safeStorage as never, 'darwin')).toEqual({ available: true });
  });

  it('is unavailable when safeStorage says so', () => {
    safeStorage.available = false;
    expect(secureStorageStatus(safeStorage as never, 'darwin').available).toBe(false);
  });
});

describe('desktop settings with safeStorage', () => {
  function setup(platform: NodeJS.Platform = 'linux') {
    const store = memoryStore();
    const settings = createDesktopSettings(store, createCredentialVault(safeStorage, platform));
    return { store, settings };
  }

  it('stores only the ciphertext and gives the password back at start', async () => {
    const { store, settings } = setup();
    const saved = await settings.configWriter.update({
      central: { uri: URI, database: 'pos' },
      databases: [{ name: 'pos' }],
    });
    expect(JSON.stringify(saved)).not.toContain('s3cr');
    expect(store.file()).not.toContain('s3cr');
    expect(store.get(SETTINGS_KEYS.centralPassword)).toBe(
      safeStorage.encryptString('s3cr%40t').toString('base64'),
    );
    expect(store.get(SETTINGS_KEYS.config)).toEqual({
      central: { uri: 'mongodb+srv://pos@cluster0.example.net/?retryWrites=true', database: 'pos' },
      databases: [{ name: 'pos' }],
    });

    const layer = settings.configLayer();
    expect(layer.problem).toBeUndefined();
    const config = await loadConfig({ defaults: { dataDir: '/data' }, overrides: layer.patch });
    expect(config.central.uri).toBe(URI);
    expect(config.databases.map((db) => db.name)).toEqual(['pos']);
  });

  it('refuses to store a password when safeStorage is unavailable, and writes nothing', async () => {
    const { store, settings } = setup();
    await settings.configWriter.update({ siteId: 'store-12' });
    const before = store.file();
    safeStorage.available = false;
    const error: unknown = await settings.configWriter
      .update({ central: { uri: URI } })
      .catch((e: unknown) => e);
    expect(isOutpostError(error, 'SECURE_STORAGE_UNAVAILABLE')).toBe(true);
    expect((error as Error).message).toMatch(/does not keep passwords in clear text/);
    expect((error as Error).message).not.toContain('s3cr');
    expect(store.file()).toBe(before);
  });

  it('refuses on Linux without a keyring (basic_text) too', async () => {
    const { store, settings } = setup('linux');
    safeStorage.backend = 'basic_text';
    await expect(settings.configWriter.update({ central: { uri: URI } })).rejects.toMatchObject({
      code: 'SECURE_STORAGE_UNAVAILABLE',
    });
    expect(store.file()).toBe('{}');
    // A connection string without a password needs no secure storage.
    await settings.configWriter.update({ central: { uri: 'mongodb://central.lan:27017/' } });
    expect(store.get(SETTINGS_KEYS.centralPassword)).toBeUndefined();
  });

  it('keeps the stored credentials when the UI sends back the redacted string', async () => {
    const { store, settings } = setup();
    await settings.configWriter.update({ central: { uri: URI } });
    const sealed = store.get(SETTINGS_KEYS.centralPassword);
    await settings.configWriter.update({
      central: { uri: 'mongodb+srv://***@cluster1.example.net/?retryWrites=true' },
    });
    expect(store.get(SETTINGS_KEYS.centralPassword)).toBe(sealed);
    const config = await loadConfig({
      defaults: { dataDir: '/data' },
      overrides: settings.configLayer().patch,
    });
    expect(config.central.uri).toBe(
      'mongodb+srv://pos:s3cr%40t@cluster1.example.net/?retryWrites=true',
    );
  });

  it('forgets the password with the connection string', async () => {
    const { store, settings } = setup();
    await settings.configWriter.update({ central: { uri: URI } });
    await settings.configWriter.update({ central: null });
    expect(store.get(SETTINGS_KEYS.centralPassword)).toBeUndefined();
    expect(store.get(SETTINGS_KEYS.config)).toEqual({});
  });

  it('validates before writing, naming the bad key', async () => {
    const { store, settings } = setup();
    await expect(settings.configWriter.update({ local: { port: 70_000 } })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining('local.port') as unknown,
    });
    expect(store.file()).toBe('{}');
  });

  it('starts without the password, saying why, when it cannot be decrypted', async () => {
    const { store, settings } = setup();
    await settings.configWriter.update({ central: { uri: URI } });
    store.set(SETTINGS_KEYS.centralPassword, Buffer.from('garbage').toString('base64'));
    const layer = settings.configLayer();
    expect(layer.problem?.code).toBe('SECURE_STORAGE_UNAVAILABLE');
    expect(layer.patch).toEqual({
      central: { uri: 'mongodb+srv://pos@cluster0.example.net/?retryWrites=true' },
    });
    safeStorage.available = false;
    store.set(SETTINGS_KEYS.centralPassword, safeStorage.encryptString('pw').toString('base64'));
    expect(settings.configLayer().problem?.message).toMatch(/Cannot read the central password/);
  });

  it('names the settings file and the bad key when the stored config is invalid', () => {
    const { store, settings } = setup();
    store.set(SETTINGS_KEYS.config, { local: { port: 'twenty' } });
    expect(() => settings.configLayer()).toThrow(
      /The settings in \/home\/till\/.config\/Outpost\/settings.json is invalid[\s\S]*local.port/,
    );
  });

  it('remembers start at login', () => {
    const { settings } = setup();
    expect(settings.openAtLogin()).toBe(false);
    settings.setOpenAtLogin(true);
    expect(settings.openAtLogin()).toBe(true);
  });
});
