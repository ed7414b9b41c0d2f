/**
 * The headless composition root: everything `outpost serve` and the demo run, wired from one
 * validated config. The Electron main process will build the same parts, with its own data
 * directory and identity store.
 *
 * This is the one file under sync/ that may read `process.env`, and only as the default of the
 * `env` option (PATH for the mongod lookup, the environment mongod is started with).
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MongoClient } from 'mongodb';
import machineIdPkg from 'node-machine-id';
import { loadConfig, type Config, type ConfigPatch } from '../config/index.js';
import { validateConfig } from '../config/load.js';
import { deepFreeze, mergePatch } from '../config/merge.js';
import { configSchema } from '../config/schema.js';
import { engineClientOptions } from '../engine/client-options.js';
import {
  createFileIdentityStore,
  resolveInstanceId,
  type IdentityStore,
} from '../identity/index.js';
import { createLogger, type Logger } from '../logging/logger.js';
import {
  createMongodSupervisor,
  findMongodBinary,
  localAuthFiles,
  resolveLocalAuth,
  type FoundBinary,
  type MongodSupervisor,
} from '../mongod/index.js';
import { apiConflictService } from './conflicts-adapter.js';
import type { SyncMode } from './engine-options.js';
import { createApiHandlers, type ApiHandlers, type ConfigWriter } from './handlers.js';
import {
  apiTokenFile,
  createApiServer,
  removeApiDiscovery,
  writeApiDiscovery,
  type ApiServer,
} from './http-server.js';
import { dataLayout, type DataLayout } from './layout.js';
import { alertKind, alertLevel, HealthAlerts, type Alert } from '../status/alerts.js';
import type { LiveEngine } from './live-engine.js';
import { SyncRuntime } from './sync-runtime.js';
import { outpostVersion } from './version.js';
import { createVerifyService } from '../verify/service.js';
import { watchConfigFile } from '../config/watch.js';
import { createBackupService } from '../backup/service.js';
import { BackupSchedule } from '../backup/schedule.js';
import { backupBeforeFirstSync, backupBeforeNewCentral } from '../backup/first-sync.js';
import { ErrorCode, OutpostError, toOutpostError } from '../errors.js';
import type { ConfigReloadResult } from './views.js';

export interface StartOutpostOptions {
  config: Config;
  /** Defaults to `process.env`: PATH (mongod lookup) and the environment mongod runs with. */
  env?: Record<string, string | undefined>;
  /** Defaults to a JSON log at `<dataDir>/logs/outpost.log` at `config.log.level`. */
  logger?: Logger;
  /** Last place to look for mongod (after local.mongodPath, resources, PATH): the dev harness. */
  mongodBinary?: string;
  extraMongodArgs?: readonly string[];
  /** Holds `mongod/mongod[.exe]` in packaged builds; defaults to the repository's resources/. */
  resourcesDir?: string;
  /**
   * Runs once the local mongod is up and before the engine starts: create collections and
   * indexes the POS software expects, so the engine never races it on first use.
   */
  prepareLocal?: (local: MongoClient) => Promise<void>;
  /** Defaults to node-machine-id's `machineIdSync(true)`. */
  machineId?: () => string | Promise<string>;
  /** The config file `config` was read from, if any: where settings changes are saved. */
  configFile?: string | undefined;
  /** Saves settings changes instead of `configFile` (the desktop app: electron-store). */
  configWriter?: ConfigWriter | undefined;
  /**
   * Reads the effective config again after a settings change was saved, with the layers the host
   * loaded it from (defaults, file, environment, flags), so that the change is applied as a
   * restart would apply it. Defaults to the file given as `configFile` under the environment;
   * without either, the saved change is merged into the running config.
   */
  reloadConfig?: (() => Promise<Config>) | undefined;
  /**
   * Applies edits to `configFile` made by hand while Outpost runs, as `config:reload` does.
   * Default true; not with a `configWriter`.
   */
  watchConfigFile?: boolean | undefined;
  /** Where the instance identity is kept; defaults to `<dataDir>/identity.json`. */
  identityStore?: IdentityStore | undefined;
  /** Reported by `app:get-info`; false in the desktop app. Defaults to true. */
  headless?: boolean | undefined;
  /**
   * The built UI (`npm run build:ui`) served by the API at `/`; defaults to the repository's
   * dist-renderer/. null serves no UI. A directory without index.html serves none either.
   */
  uiDir?: string | null;
}

export interface OutpostInstance {
  instanceId: string;
  /** What the POS software connects to (replica-set aware). */
  localUri: string;
  supervisor: MongodSupervisor;
  /**
   * The sync engine, for the life of the instance: settings changes replace the engine behind it.
   * In local-only mode (no central, or no database to sync; see `sync`) it reports that state.
   */
  engine: LiveEngine;
  /** Whether this instance syncs now, and why not. */
  readonly sync: SyncMode;
  /** The effective config now (settings changes applied since the start included). */
  readonly config: Config;
  configFile: string | undefined;
  layout: DataLayout;
  mongodBinary: FoundBinary;
  logger: Logger;
  /**
   * The loopback HTTP API (also in local-only mode, where it reports that state). The CLI finds
   * it through `<dataDir>/api.json`; requests need the bearer token kept in `tokenFile`.
   * `ui` is the directory of the UI it serves, if any; `loginUrl()` makes a one-time link that
   * opens that UI signed in.
   */
  api: { url: string; tokenFile: string; ui: string | null; loginUrl(): string };
  /** The handler set behind the HTTP API, shared with the desktop app's IPC. */
  handlers: ApiHandlers;
  /** Health checks that turned warn or fail, or passed again (the desktop app notifies). */
  alerts: { on(listener: (alert: Alert) => void): () => void };
  /** Closes the API, stops the engine, closes both clients, then shuts mongod down. Idempotent. */
  stop(): Promise<void>;
}

const DEFAULT_RESOURCES_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../resources',
);
const DEFAULT_UI_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../dist-renderer',
);

/** The UI directory to serve: the one given (or the default) when it holds a built index.html. */
function builtUi(dir: string | null | undefined): string | null {
  const candidate = dir === undefined ? DEFAULT_UI_DIR : dir;
  return candidate !== null && existsSync(path.join(candidate, 'index.html'))
    ? path.resolve(candidate)
    : null;
}

export async function startOutpost(options: StartOutpostOptions): Promise<OutpostInstance> {
  const { config } = options;
  const env = options.env ?? process.env;
  const layout = dataLayout(config.dataDir);
  await mkdir(layout.logDir, { recursive: true });
  const logger = options.logger ?? createLogger({ file: layout.logFile, level: config.log.level });
  const log = logger.child({ component: 'outpost' });

  const identity = await resolveInstanceId({
    store: options.identityStore ?? createFileIdentityStore(layout.identityFile),
    machineId: options.machineId ?? (() => machineIdPkg.machineIdSync(true)),
  });
  if (identity.changed) {
    log.info({ event: 'identity.created', instanceId: identity.instanceId, why: identity.changed });
  }
  const mongodBinary = await findMongodBinary({
    explicitPath: config.local.mongodPath,
    resourcesDir: options.resourcesDir ?? DEFAULT_RESOURCES_DIR,
    searchPath: env['PATH'],
    harnessPath: options.mongodBinary,
  });
  log.info({ event: 'mongod.binary', path: mongodBinary.path, source: mongodBinary.source });

  const access = await resolveLocalAuth(config.local.auth, layout.dataDir, layout.mongodDbPath);
  if (!access.auth) {
    log.warn(
      { event: 'mongod.auth-off', why: access.open },
      access.open === 'disabled'
        ? 'local.auth is false: the local MongoDB accepts any connection from this machine.'
        : 'The local MongoDB accepts connections without a password: its data directory was ' +
            'made before Outpost protected it. To protect it, set local.auth to true and restart, ' +
            'then give the POS software the new connection string (printed at start, and on the ' +
            'settings page).',
    );
  } else {
    log.info({ event: 'mongod.auth', credentials: localAuthFiles(layout.dataDir).credentials });
  }
  const supervisor = createMongodSupervisor({
    binary: mongodBinary.path,
    dbPath: layout.mongodDbPath,
    port: config.local.port,
    replSetName: config.local.replSetName,
    extraArgs: options.extraMongodArgs ?? [],
    logFile: layout.mongodLogFile,
    env,
    logger,
    auth: access.auth,
  });
  const running = await supervisor.start();

  // Outpost's own client signs in as its own user; the POS software gets `running.uri`.
  const local = new MongoClient(running.engineUri, engineClientOptions());
  const backups = createBackupService({
    local,
    dataDir: layout.dataDir,
    metaDatabase: () => runtime.config.local.metaDatabase,
    instanceId: identity.instanceId,
    outpostVersion: outpostVersion(),
    logger,
  });
  const runtime: SyncRuntime = new SyncRuntime({
    config,
    instanceId: identity.instanceId,
    local,
    localUri: running.engineUri,
    logger,
    site: { machineHash: identity.machineHash, hostname: os.hostname(), version: outpostVersion() },
    onFirstSync: async (db) => {
      await backupBeforeFirstSync(
        { local, metaDatabase: runtime.config.local.metaDatabase, service: backups, logger },
        db,
      );
    },
    onNewCentral: async ({ db }) => {
      await backupBeforeNewCentral(
        { local, metaDatabase: runtime.config.local.metaDatabase, service: backups, logger },
        db,
      );
    },
  });
  const engine = runtime.engine;
  let handlers: ApiHandlers | undefined;
  let server: ApiServer | undefined;
  let alerts: HealthAlerts | undefined;
  let unwatchConfig: (() => void) | undefined;
  let schedule: BackupSchedule | undefined;
  const uiDir = builtUi(options.uiDir);
  const shutdown = once(async () => {
    log.info({ event: 'outpost.stopping' });
    unwatchConfig?.();
    await schedule?.stop();
    // The API first: no request may reach an engine that is stopping or clients being closed.
    await server?.close();
    handlers?.close();
    await removeApiDiscovery(layout.dataDir).catch((error: unknown) =>
      log.debug({ event: 'outpost.api-discovery-remove-failed', error }),
    );
    await alerts?.stop();
    await runtime.stop();
    await local
      .close()
      .catch((error: unknown) => log.debug({ event: 'outpost.client-close-failed', error }));
    await supervisor.stop();
    log.info({ event: 'outpost.stopped' });
    // The file logger writes from a worker thread: hand it what is buffered before the host exits.
    if (!options.logger) logger.flush();
  });

  try {
    await local.connect();
    await options.prepareLocal?.(local);
    await runtime.start();
    const reload = reloadFrom(options, env);
    const scheduled = new BackupSchedule({
      service: backups,
      settings: () => runtime.config.backup,
      logger,
      record: async (entry) => {
        await engine.context?.store.log.insertOne({ at: new Date(), ...entry });
      },
    });
    schedule = scheduled;
    // Whether the settings can be read again from where they live (a file, the settings store).
    const rereadable =
      options.reloadConfig !== undefined ||
      (options.configFile !== undefined && !options.configWriter);
    handlers = createApiHandlers({
      // Local-only: status and health still answer, with the reason nothing is synced.
      engine,
      supervisor,
      config,
      configFile: options.configFile,
      configWriter: options.configWriter,
      liveConfig: {
        current: () => runtime.config,
        apply: (patch) => runtime.apply(() => reload(runtime.config, patch)),
        ...(rereadable
          ? {
              reload: () =>
                runtime.apply(async () => {
                  requireFile(options.configFile);
                  return reload(runtime.config, {});
                }),
            }
          : {}),
      },
      instanceId: identity.instanceId,
      conflicts: apiConflictService(() => engine.conflicts),
      verify: createVerifyService(engine),
      backup: backups,
      backupHealth: () => scheduled.health(),
      app: { version: outpostVersion(), headless: options.headless ?? true, localUri: running.uri },
      logger,
    });
    const calls = handlers.calls;
    alerts = new HealthAlerts({
      health: () => calls['sync:get-health'](undefined),
      settings: () => runtime.config.alerts,
      record: (alert) => recordAlert(engine, alert),
      logger,
    });
    alerts.start();
    scheduled.start();
    const edited = options.configFile;
    if (edited !== undefined && !options.configWriter && (options.watchConfigFile ?? true))
      unwatchConfig = watchConfigFile({
        file: edited,
        logger,
        onChange: () =>
          applyEditedFile(edited, () => calls['config:reload'](undefined), engine, log),
      });
    server = await createApiServer({
      handlers,
      host: config.api.host,
      port: config.api.port,
      tokenFile: apiTokenFile(layout.dataDir),
      staticDir: uiDir ?? undefined,
      logger,
    });
    await writeApiDiscovery(layout.dataDir, server.url);
  } catch (error) {
    log.error({ event: 'outpost.start-failed', error });
    await shutdown().catch((cleanup: unknown) =>
      log.debug({ event: 'outpost.cleanup-failed', error: cleanup }),
    );
    throw error;
  }

  const api = server;
  const watch = alerts;
  log.info({
    event: 'outpost.started',
    instanceId: identity.instanceId,
    localUri: running.uri,
    sync: runtime.mode.enabled ? 'enabled' : runtime.mode.reason,
    api: server.url,
  });
  return {
    instanceId: identity.instanceId,
    localUri: running.uri,
    supervisor,
    engine,
    get sync() {
      return runtime.mode;
    },
    get config() {
      return runtime.config;
    },
    configFile: options.configFile,
    layout,
    mongodBinary,
    logger,
    api: {
      url: api.url,
      tokenFile: apiTokenFile(layout.dataDir),
      ui: uiDir,
      loginUrl: () => api.loginUrl(),
    },
    handlers,
    alerts: { on: (listener) => watch.on(listener) },
    stop: shutdown,
  };
}

/**
 * How a saved settings change is read back: the host's own way (`reloadConfig`), else the config
 * file under the environment, else the change merged into the running config.
 */
function reloadFrom(
  options: StartOutpostOptions,
  env: Record<string, string | undefined>,
): (current: Config, patch: ConfigPatch) => Promise<Config> {
  if (options.reloadConfig) return options.reloadConfig;
  const file = options.configFile;
  if (file !== undefined && !options.configWriter)
    return (current) => loadConfig({ file, env, defaults: { dataDir: current.dataDir } });
  return (current, patch) =>
    Promise.resolve(
      deepFreeze(
        validateConfig(configSchema, mergePatch(structuredClone(current), patch), {
          layers: [{ value: patch, label: 'the update' }],
        }),
      ),
    );
}

/** A reread config file that is not there: refused, or the defaults would replace the settings. */
function requireFile(file: string | undefined): void {
  if (file === undefined || existsSync(file)) return;
  throw new OutpostError(
    ErrorCode.ConfigUnreadable,
    `There is no config file at ${file}, so the running settings stay as they are. Put the ` +
      `file back (a change saved by Outpost leaves the previous one as ${file}.bak), or restart ` +
      'Outpost to run without it.',
    { details: { file } },
  );
}

/**
 * Applies a config file edited by hand. Whoever edited it is not waiting on an answer, so the
 * outcome goes to the logs: a file that does not load (bad JSON, a wrong value) is reported in
 * the sync log, which Activity shows, and the running settings stay.
 */
async function applyEditedFile(
  file: string,
  reload: () => Promise<ConfigReloadResult>,
  engine: LiveEngine,
  log: Logger,
): Promise<void> {
  try {
    const result = await reload();
    if (result.applied.length > 0 || result.restartFor.length > 0)
      log.info(
        {
          event: 'config.file-applied',
          file,
          applied: result.applied,
          restartFor: result.restartFor,
        },
        result.restartFor.length > 0
          ? `The edited config file is applied; restart Outpost for ${result.restartFor.join(', ')}.`
          : 'The edited config file is applied.',
      );
  } catch (error) {
    const failure = toOutpostError(error);
    log.error(
      { event: 'config.reload-failed', file, error },
      'The edited config file was not applied; the running settings stay as they were.',
    );
    await engine.context?.store.log
      .insertOne({
        at: new Date(),
        event: 'config.reload-failed',
        level: 'error',
        file,
        code: failure.code,
        message: `${failure.message} The running settings stay as they were; saving the file again applies it.`,
      })
      .catch((cause: unknown) => log.debug({ event: 'config.reload-record-failed', error: cause }));
  }
}

/** An alert in the sync log, which Activity shows; nothing to write to in local-only mode. */
async function recordAlert(engine: LiveEngine, alert: Alert): Promise<void> {
  await engine.context?.store.log.insertOne({
    at: new Date(alert.at),
    event: `alert.${alertKind(alert)}`,
    level: alertLevel(alert),
    check: alert.check,
    label: alert.label,
    status: alert.status,
    previous: alert.previous,
    message: alert.message,
  });
}

/** Wraps `fn` so that every call after the first returns the first call's promise. */
function once(fn: () => Promise<void>): () => Promise<void> {
  let pending: Promise<void> | undefined;
  return () => (pending ??= fn());
}
