import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createLocalAuth,
  loadLocalAuth,
  localAuthFiles,
  resolveLocalAuth,
  withCredential,
} from './local-auth.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function dataDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'outpost-auth-'));
  dirs.push(dir);
  return dir;
}

/** A data directory whose mongod has run before (WiredTiger's metadata file is there). */
async function usedDataDir(): Promise<{ dir: string; dbPath: string }> {
  const dir = await dataDir();
  const dbPath = path.join(dir, 'mongod');
  await mkdir(dbPath);
  await writeFile(path.join(dbPath, 'WiredTiger'), 'WiredTiger\n');
  return { dir, dbPath };
}

describe('local database credentials', () => {
  it('are made once, stored with mode 0600, and read back', async () => {
    const dir = await dataDir();
    expect(await loadLocalAuth(dir)).toBeUndefined();
    const made = await createLocalAuth(dir);
    expect(made.admin.user).toBe('outpost');
    expect(made.app.user).toBe('pos');
    expect(made.admin.password).not.toBe(made.app.password);
    expect(made.admin.password.length).toBeGreaterThanOrEqual(32);
    expect(await loadLocalAuth(dir)).toEqual(made);
    const files = localAuthFiles(dir);
    const key = (await readFile(files.keyFile, 'utf8')).trim();
    // mongod's rule for a key file: 6 to 1024 characters of the base64 set.
    expect(key).toMatch(/^[A-Za-z0-9+/=]{6,1024}$/);
    if (process.platform !== 'win32') {
      expect((await stat(files.credentials)).mode & 0o777).toBe(0o600);
      expect((await stat(files.keyFile)).mode & 0o777).toBe(0o600);
    }
    // Another directory, other secrets.
    const other = await createLocalAuth(await dataDir());
    expect(other.admin.password).not.toBe(made.admin.password);
  });

  it('name the file to restore when they are unreadable or the key file is gone', async () => {
    const dir = await dataDir();
    const files = localAuthFiles(dir);
    await writeFile(files.credentials, '{"version":1,"admin":');
    await expect(loadLocalAuth(dir)).rejects.toMatchObject({
      code: 'LOCAL_AUTH_INVALID',
      message: expect.stringContaining(files.credentials) as unknown,
    });
    await createLocalAuth(dir);
    await rm(files.keyFile);
    await expect(loadLocalAuth(dir)).rejects.toMatchObject({
      code: 'LOCAL_AUTH_INVALID',
      message: expect.stringContaining(files.keyFile) as unknown,
    });
  });

  it('go into a connection string, encoded, with admin as the source', () => {
    expect(
      withCredential('mongodb://127.0.0.1:27021/?replicaSet=outpost', {
        user: 'pos',
        password: 'a/b+c=d',
      }),
    ).toBe('mongodb://pos:a%2Fb%2Bc%3Dd@127.0.0.1:27021/?replicaSet=outpost&authSource=admin');
    expect(withCredential('mongodb://127.0.0.1:1/', undefined)).toBe('mongodb://127.0.0.1:1/');
  });
});

describe('resolveLocalAuth', () => {
  it('protects a new data directory unless told not to', async () => {
    const dir = await dataDir();
    const dbPath = path.join(dir, 'mongod');
    expect(await resolveLocalAuth(false, dir, dbPath)).toEqual({
      auth: undefined,
      open: 'disabled',
    });
    expect(await loadLocalAuth(dir)).toBeUndefined();
    const made = await resolveLocalAuth(undefined, dir, dbPath);
    expect(made.auth).toEqual(await loadLocalAuth(dir));
    // Stored credentials are used from then on, also once mongod has run there.
    await mkdir(dbPath);
    await writeFile(path.join(dbPath, 'WiredTiger'), '');
    expect((await resolveLocalAuth(undefined, dir, dbPath)).auth).toEqual(made.auth);
    expect((await resolveLocalAuth(true, dir, dbPath)).auth).toEqual(made.auth);
  });

  it('leaves a data directory made before access control open unless local.auth is true', async () => {
    const { dir, dbPath } = await usedDataDir();
    expect(await resolveLocalAuth(undefined, dir, dbPath)).toEqual({
      auth: undefined,
      open: 'made-before-auth',
    });
    expect(await loadLocalAuth(dir)).toBeUndefined();
    const enabled = await resolveLocalAuth(true, dir, dbPath);
    expect(enabled.auth?.app.user).toBe('pos');
    expect(await loadLocalAuth(dir)).toEqual(enabled.auth);
  });
});
