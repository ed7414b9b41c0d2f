/**
 * Access control on the site's mongod: two users with generated passwords, kept in the data
 * directory next to mongod's own files (mode 0600, written atomically).
 *
 * - `outpost` (root): the supervisor and the sync engine.
 * - `pos` (readWriteAnyDatabase): the POS software, through the connection string Outpost shows.
 *
 * A replica set with access control also needs a key file (internal authentication), even with
 * one member. The users are created through mongod's localhost exception: while no user exists,
 * a connection from 127.0.0.1 may initiate the replica set and create the first user.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { MongoServerError, type MongoClient } from 'mongodb';
import { z } from 'zod';
import { ErrorCode, OutpostError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';

export interface LocalCredential {
  user: string;
  password: string;
}

export interface LocalAuth {
  /** mongod's --keyFile. */
  keyFile: string;
  /** Outpost's own user (root). */
  admin: LocalCredential;
  /** The POS software's user. */
  app: LocalCredential;
}

/** Where the credentials and the key file of a data directory are kept. */
export function localAuthFiles(dataDir: string): { credentials: string; keyFile: string } {
  return {
    credentials: path.join(dataDir, 'local-auth.json'),
    keyFile: path.join(dataDir, 'mongod.key'),
  };
}

const credential = z.strictObject({ user: z.string().min(1), password: z.string().min(16) });
const stored = z.strictObject({ version: z.literal(1), admin: credential, app: credential });

/** The credentials of `dataDir`, or undefined when none were made there yet. */
export async function loadLocalAuth(dataDir: string): Promise<LocalAuth | undefined> {
  const files = localAuthFiles(dataDir);
  let text: string;
  try {
    text = await readFile(files.credentials, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let parsed: z.infer<typeof stored>;
  try {
    parsed = stored.parse(JSON.parse(text));
  } catch (cause) {
    throw new OutpostError(
      ErrorCode.LocalAuthInvalid,
      `The local database credentials in ${files.credentials} are unreadable. Restore the file ` +
        'from a backup: the local MongoDB only accepts the passwords it was set up with.',
      { cause, details: { path: files.credentials } },
    );
  }
  try {
    await readFile(files.keyFile);
  } catch (cause) {
    throw new OutpostError(
      ErrorCode.LocalAuthInvalid,
      `The local database key file ${files.keyFile} is missing or unreadable. Restore it from a ` +
        `backup, or move ${files.credentials} away to make new credentials for a new data directory.`,
      { cause, details: { path: files.keyFile } },
    );
  }
  return { keyFile: files.keyFile, admin: parsed.admin, app: parsed.app };
}

/** Makes and stores new credentials and a key file for `dataDir` (the key file first). */
export async function createLocalAuth(dataDir: string): Promise<LocalAuth> {
  const files = localAuthFiles(dataDir);
  const auth: LocalAuth = {
    keyFile: files.keyFile,
    admin: { user: 'outpost', password: secret(24) },
    app: { user: 'pos', password: secret(24) },
  };
  // mongod accepts 6 to 1024 characters of the base64 set; mode 0600 (it refuses group access).
  await writeFileAtomic(files.keyFile, `${randomBytes(512).toString('base64')}\n`, { mode: 0o600 });
  await writeFileAtomic(
    files.credentials,
    `${JSON.stringify({ version: 1, admin: auth.admin, app: auth.app }, null, 2)}\n`,
    { mode: 0o600 },
  );
  return auth;
}

/**
 * Whether the site's mongod runs with access control, and with which credentials (see
 * `local.auth`): stored ones when the data directory has them, new ones for a new data
 * directory. A data directory made before Outpost protected it stays open unless `setting` is
 * true: its POS software connects without a password, and switching would cut it off.
 */
export async function resolveLocalAuth(
  setting: boolean | undefined,
  dataDir: string,
  dbPath: string,
): Promise<{ auth: LocalAuth } | { auth: undefined; open: 'disabled' | 'made-before-auth' }> {
  if (setting === false) return { auth: undefined, open: 'disabled' };
  const stored = await loadLocalAuth(dataDir);
  if (stored) return { auth: stored };
  // WiredTiger's metadata file is there once mongod has run on the directory.
  if (setting === undefined && existsSync(path.join(dbPath, 'WiredTiger')))
    return { auth: undefined, open: 'made-before-auth' };
  return { auth: await createLocalAuth(dataDir) };
}

function secret(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

/** The connection string of a credential: users live in `admin`. */
export function withCredential(uri: string, credential: LocalCredential | undefined): string {
  if (!credential) return uri;
  const url = new URL(uri);
  url.username = encodeURIComponent(credential.user);
  url.password = encodeURIComponent(credential.password);
  url.searchParams.set('authSource', 'admin');
  return url.toString();
}

/**
 * Signs `client` in (a client made with Outpost's user), or closes it and returns undefined when
 * mongod has no such user yet (a new data directory, or one made before access control): the
 * localhost exception still applies then.
 */
export async function signIn(client: MongoClient): Promise<MongoClient | undefined> {
  try {
    await client.db('admin').command({ ping: 1 });
    return client;
  } catch (error) {
    await client.close(true).catch(() => undefined);
    if (error instanceof MongoServerError && error.code === 18 /* AuthenticationFailed */)
      return undefined;
    throw error;
  }
}

/**
 * Creates Outpost's user through the localhost exception (on the PRIMARY, before any user
 * exists).
 */
export async function createAdminUser(
  client: MongoClient,
  auth: LocalAuth,
  dbPath: string,
): Promise<void> {
  await client
    .db('admin')
    .command({
      createUser: auth.admin.user,
      pwd: auth.admin.password,
      roles: [{ role: 'root', db: 'admin' }],
    })
    .catch((error: unknown) => {
      throw asMismatch(error, auth, dbPath);
    });
}

/**
 * Outpost could not sign in, yet mongod refuses what the localhost exception allows: it has users
 * already, and the stored password is not theirs. Any other error is returned unchanged.
 */
export function asMismatch(error: unknown, auth: LocalAuth, dbPath: string): unknown {
  if (!(error instanceof MongoServerError) || error.code !== 13 /* Unauthorized */) return error;
  return new OutpostError(
    ErrorCode.LocalAuthMismatch,
    `The local MongoDB in ${dbPath} has users, and Outpost's stored password for ` +
      `"${auth.admin.user}" is not theirs. Restore local-auth.json and mongod.key from the ` +
      'backup made with this data directory.',
    { cause: error, details: { path: dbPath, user: auth.admin.user } },
  );
}

/** The POS software's user, created when missing (a start cut short after the first user). */
export async function ensureAppUser(admin: MongoClient, auth: LocalAuth): Promise<boolean> {
  const db = admin.db('admin');
  const found = await db.command({ usersInfo: { user: auth.app.user, db: 'admin' } });
  if ((found['users'] as unknown[]).length > 0) return false;
  await db.command({
    createUser: auth.app.user,
    pwd: auth.app.password,
    roles: [{ role: 'readWriteAnyDatabase', db: 'admin' }],
  });
  return true;
}
