import path from 'node:path';
import {
  loadConfig,
  type Config,
  type ConfigFileInput,
  type ConfigPatch,
  type LogLevel,
} from '../../config/index.js';
import { dataLayout } from '../layout.js';

type DatabaseInput = NonNullable<ConfigFileInput['databases']>[number];

/** The flags of `outpost serve`, as commander parses them. */
export interface ServeFlags {
  config?: string | undefined;
  dataDir?: string | undefined;
  central?: string | undefined;
  port?: number | undefined;
  db?: string[] | undefined;
  siteId?: string | undefined;
  mongod?: string | undefined;
  logLevel?: string | undefined;
}

/**
 * The config file `serve` reads: `--config`, else `outpost.json` in the data directory named by
 * `--data-dir` or OUTPOST_DATA_DIR (a missing file there is fine), else none.
 */
export function configFileFor(
  flags: ServeFlags,
  env: Record<string, string | undefined>,
): string | undefined {
  if (flags.config) return path.resolve(flags.config);
  const dataDir = flags.dataDir ?? env['OUTPOST_DATA_DIR'];
  return dataDir?.trim() ? dataLayout(dataDir).configFile : undefined;
}

/** Flags as the highest-precedence config layer; unset flags (undefined) change nothing. */
export function flagOverrides(flags: ServeFlags): ConfigPatch {
  return {
    dataDir: flags.dataDir === undefined ? undefined : path.resolve(flags.dataDir),
    central: { uri: flags.central },
    local: { port: flags.port, mongodPath: flags.mongod },
    siteId: flags.siteId,
    // Not checked here: the schema names a bad level the same way as in a file.
    log: { level: flags.logLevel as LogLevel | undefined },
  };
}

/**
 * `--db pos --db backoffice` sets the synced databases to exactly these, keeping the collection
 * rules the other layers give each of them (a plain override would replace the whole list and
 * drop those rules).
 */
export function selectDatabases(config: Config, names: readonly string[]): ConfigPatch {
  return {
    databases: names.map((name) => {
      const known = config.databases.find((db) => db.name === name);
      // A deep copy: the loaded config is frozen and deeply readonly, the patch is plain data.
      return known ? (structuredClone(known) as DatabaseInput) : { name };
    }),
  };
}

/** defaults < file < environment < flags, then `--db` applied on top of the result. */
export async function loadServeConfig(
  flags: ServeFlags,
  env: Record<string, string | undefined>,
): Promise<Config> {
  const file = configFileFor(flags, env);
  const overrides = flagOverrides(flags);
  const config = await loadConfig({ file, env, overrides });
  if (!flags.db || flags.db.length === 0) return config;
  return loadConfig({
    file,
    env,
    overrides: { ...overrides, ...selectDatabases(config, flags.db) },
  });
}
