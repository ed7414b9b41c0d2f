import path from 'node:path';

/** Where a headless instance keeps its files, all under the configured data directory. */
export interface DataLayout {
  dataDir: string;
  /** mongod's --dbpath. */
  mongodDbPath: string;
  /** The instance identity (file store, mode 0600). */
  identityFile: string;
  logDir: string;
  /** Outpost's own JSON log, rotated by size. */
  logFile: string;
  /** mongod's log lines, appended by the supervisor. */
  mongodLogFile: string;
  /** The config file `outpost serve` reads when no --config is given. */
  configFile: string;
}

export function dataLayout(dataDir: string): DataLayout {
  const root = path.resolve(dataDir);
  const logDir = path.join(root, 'logs');
  return {
    dataDir: root,
    mongodDbPath: path.join(root, 'mongod'),
    identityFile: path.join(root, 'identity.json'),
    logDir,
    logFile: path.join(logDir, 'outpost.log'),
    mongodLogFile: path.join(logDir, 'mongod.log'),
    configFile: path.join(root, 'outpost.json'),
  };
}
