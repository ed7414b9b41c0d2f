/**
 * Backup and restore as the API runs them: on the instance's own client of its mongod (so also in
 * local-only mode), one at a time, with Outpost's metadata database left out. A backup with no
 * directory named goes to `<dataDir>/backups/<date and time>`.
 */
import path from 'node:path';
import type { MongoClient } from 'mongodb';
import type { BackupArgs, RestoreArgs } from '../api/contract.js';
import type { BackupReport, RestoreReport } from '../api/views.js';
import { ErrorCode, OutpostError } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import { backupDatabases } from './backup.js';
import { restoreBackup } from './restore.js';

export interface BackupService {
  backup(args: BackupArgs): Promise<BackupReport>;
  restore(args: RestoreArgs): Promise<RestoreReport>;
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
    backup: (args) =>
      exclusive('backup', () =>
        backupDatabases({
          client: options.local,
          dir: args.dir ?? path.join(backupsDir(options.dataDir), stamp(new Date())),
          databases: args.databases,
          skip: [options.metaDatabase()],
          gzip: args.gzip,
          logger: options.logger,
          instanceId: options.instanceId,
          outpostVersion: options.outpostVersion,
        }),
      ),
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

/** 2026-12-07T12-30-05Z: sorts by time, and is a valid file name everywhere. */
function stamp(at: Date): string {
  return at
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replaceAll(':', '-');
}
