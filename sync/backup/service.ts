/**
 * Backup and restore as the API runs them: on the instance's own client of its mongod (so also in
 * local-only mode), one at a time, with Outpost's metadata database left out. A backup with no
 * directory named goes to `<dataDir>/backups/<date and time>`.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { MongoClient } from 'mongodb';
import type { BackupArgs, RestoreArgs } from '../api/contract.js';
import {
  BACKUP_REASONS,
  type BackupListing,
  type BackupReason,
  type BackupReport,
  type RestoreReport,
} from '../api/views.js';
import { ErrorCode, OutpostError } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import { backupDatabases, MANIFEST_FILE } from './backup.js';
import { restoreBackup } from './restore.js';

export interface BackupService {
  /** A backup `reason` (Outpost's own, not the schedule's) goes to `<time>-<reason>`. */
  backup(args: BackupArgs, reason?: BackupReason): Promise<BackupReport>;
  restore(args: RestoreArgs): Promise<RestoreReport>;
  /** The complete backups in `<dataDir>/backups`, newest first. */
  list(): Promise<BackupListing[]>;
  /**
   * Removes all but the newest `keep` of them, and what a backup cut short left there
   * (`*.partial`). A backup made for a reason (before a first sync, or a new central) is kept
   * and not counted.
   * Returns the directories removed.
   */
  prune(keep: number): Promise<string[]>;
  /** Whether a backup, restore or prune is running. */
  busy(): boolean;
}

export interface BackupServiceOptions {
  local: MongoClient;
  dataDir: string;
  /** Outpost's metadata database now (it can be changed in the config). */
  metaDatabase: () => string;
  instanceId: string;
  outpostVersion: string;
  logger: Logger;
}

export function backupsDir(dataDir: string): string {
  return path.join(dataDir, 'backups');
}

export function createBackupService(options: BackupServiceOptions): BackupService {
  let running: string | undefined;
  const exclusive = async <T>(what: string, work: () => Promise<T>): Promise<T> => {
    if (running)
      throw new OutpostError(
        ErrorCode.InvalidState,
        `A ${running} is running; wait for it to finish, then try again.`,
      );
    running = what;
    try {
      return await work();
    } finally {
      running = undefined;
    }
  };
  return {
    backup: (args, reason) =>
      exclusive('backup', () =>
        backupDatabases({
          client: options.local,
          dir:
            args.dir ??
            path.join(
              backupsDir(options.dataDir),
              `${stamp(new Date())}${reason ? `-${reason}` : ''}`,
            ),
          reason,
          databases: args.databases,
          skip: [options.metaDatabase()],
          gzip: args.gzip,
          logger: options.logger,
          instanceId: options.instanceId,
          outpostVersion: options.outpostVersion,
        }),
      ),
    busy: () => running !== undefined,
    list: () => listBackups(backupsDir(options.dataDir)),
    prune: (keep) =>
      exclusive('backup', async () => {
        const dir = backupsDir(options.dataDir);
        const old = (await listBackups(dir))
          .filter((backup) => !backup.reason)
          .slice(keep)
          .map((backup) => backup.dir);
        const partial = (await entries(dir))
          .filter((name) => name.endsWith('.partial'))
          .map((name) => path.join(dir, name));
        for (const remove of [...old, ...partial])
          await rm(remove, { recursive: true, force: true });
        return [...old, ...partial];
      }),
    restore: (args) =>
      exclusive('restore', () =>
        restoreBackup({
          client: options.local,
          dir: args.dir,
          databases: args.databases,
          as: args.as,
          skip: [options.metaDatabase()],
          logger: options.logger,
        }),
      ),
  };
}

/** Directories of `dir` holding a manifest, newest first (by the time the manifest gives). */
async function listBackups(dir: string): Promise<BackupListing[]> {
  const found: BackupListing[] = [];
  for (const name of await entries(dir)) {
    const manifest = path.join(dir, name, MANIFEST_FILE);
    if (!existsSync(manifest)) continue;
    try {
      const { at, reason } = JSON.parse(await readFile(manifest, 'utf8')) as Partial<
        Record<'at' | 'reason', unknown>
      >;
      if (typeof at === 'string' && !Number.isNaN(Date.parse(at)))
        found.push({
          dir: path.join(dir, name),
          at,
          ...(BACKUP_REASONS.includes(reason as BackupReason)
            ? { reason: reason as BackupReason }
            : {}),
        });
    } catch {
      // Not a manifest Outpost wrote: not one of its backups, never removed.
    }
  }
  return found.sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
}

async function entries(dir: string): Promise<string[]> {
  return existsSync(dir) ? readdir(dir) : [];
}

/** 2026-12-07T12-30-05.123Z: sorts by time, and is a valid file name everywhere. */
function stamp(at: Date): string {
  return at.toISOString().replaceAll(':', '-');
}
