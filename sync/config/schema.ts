import { z } from 'zod';
import { LOOP_RESTART_HISTORY } from '../status/engine-state.js';

/**
 * Outpost's configuration. Every object is strict so that a typo (`batchSzie`) is an error naming
 * the key instead of a silently ignored setting. Nested objects use `prefault({})` rather than
 * `default({})`: in zod 4 a `default` is returned as is, while a `prefault` is parsed, so the
 * defaults of the fields inside still apply.
 *
 * Messages given to checks here are phrased as the expected form ("an integer from 1 to 65535"),
 * because the loader prints them as "found X; expected <message>".
 */

// One definition of the names: the engine's (config validates what the engine understands).
import { Direction as SyncDirection, Strategy as ConflictStrategy } from '../engine/rules.js';

export { SyncDirection, ConflictStrategy };

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;

const values = <T extends Record<string, string>>(object: T) =>
  Object.values(object) as [T[keyof T], ...T[keyof T][]];

// https://www.mongodb.com/docs/manual/reference/limits/#naming-restrictions (Windows is the
// strictest platform, and sites run Windows, so its character list applies everywhere).
const DB_NAME_FORBIDDEN = /[/\\. "$*<>:|?\0]/;
const DB_NAME_FORM = 'a MongoDB database name: 1 to 63 bytes, none of / \\ . space " $ * < > : | ?';

export function isValidDatabaseName(name: string): boolean {
  return name.length > 0 && Buffer.byteLength(name, 'utf8') < 64 && !DB_NAME_FORBIDDEN.test(name);
}

// Collection names may not be empty, contain `$` or NUL, or use the reserved `system.` prefix.
const COLLECTION_NAME_FORM = 'a collection name: not empty, no $, not starting with system.';
export function isValidCollectionName(name: string): boolean {
  return name.length > 0 && !/[$\0]/.test(name) && !name.startsWith('system.');
}

const databaseName = z.string().refine(isValidDatabaseName, { error: DB_NAME_FORM });
const collectionName = z.string().refine(isValidCollectionName, { error: COLLECTION_NAME_FORM });

const port = (min: number) => {
  const form = `an integer from ${min} to 65535`;
  return z.int({ error: form }).min(min, { error: form }).max(65535, { error: form });
};
const nonNegativeInt = z.int({ error: 'an integer >= 0' }).min(0, { error: 'an integer >= 0' });
const positiveInt = z.int({ error: 'an integer >= 1' }).min(1, { error: 'an integer >= 1' });
const MIN_LOOKBACK_MS = 10_000;
const LOOKBACK_FORM = `an integer >= ${MIN_LOOKBACK_MS} (ms): the catch-up scan must start well before its checkpoint`;
// The engine keeps this many restarts per loop; a higher threshold could never be reached.
const restartsForm = `an integer from 0 to ${LOOP_RESTART_HISTORY - 1}`;
const restartCount = z
  .int({ error: restartsForm })
  .min(0, { error: restartsForm })
  .max(LOOP_RESTART_HISTORY - 1, { error: restartsForm });

const mongoUri = z.string().refine((uri) => /^mongodb(\+srv)?:\/\//.test(uri), {
  error: 'a connection string starting with mongodb:// or mongodb+srv://',
});

export const webhookUrl = z.string().refine(
  (url) => {
    try {
      return ['http:', 'https:'].includes(new URL(url).protocol);
    } catch {
      return false;
    }
  },
  { error: 'an http:// or https:// address that accepts a JSON POST' },
);

export const collectionRuleSchema = z.strictObject({
  direction: z.enum(values(SyncDirection)).default('both'),
  strategy: z.enum(values(ConflictStrategy)).default('lww'),
  /** Numeric fields merged as base + local delta + central delta (stock levels). */
  counters: z.array(z.string().min(1)).default([]),
  /** Only documents whose `field` equals the site id (or is absent, with includeGlobal) sync. */
  scope: z
    .strictObject({ field: z.string().min(1), includeGlobal: z.boolean().default(true) })
    .optional(),
  /** What `merge` does with a field changed on both sides. */
  mergeFallback: z.enum(['lww', 'manual']).default('lww'),
  deleteVsUpdate: z.enum(['update-wins', 'delete-wins']).default('update-wins'),
});

const databaseSchema = z.strictObject({
  name: databaseName,
  /** The central database this one syncs with, when its name differs there. */
  centralName: databaseName.optional(),
  collections: z.record(collectionName, collectionRuleSchema).default({}),
});

const backoffSchema = z
  .strictObject({ initialMs: positiveInt.default(500), maxMs: positiveInt.default(60_000) })
  .prefault({})
  .check((ctx) => {
    if (ctx.value.maxMs < ctx.value.initialMs) {
      ctx.issues.push({
        code: 'custom',
        path: ['maxMs'],
        input: ctx.value.maxMs,
        message: `a number >= sync.backoff.initialMs (${ctx.value.initialMs})`,
      });
    }
  });

const DATA_DIR_FORM =
  'a directory path (set dataDir in the config file or OUTPOST_DATA_DIR, or let the app provide it)';

const shape = {
  dataDir: z.string({ error: DATA_DIR_FORM }).min(1, { error: DATA_DIR_FORM }),
  central: z
    .strictObject({ uri: mongoUri.optional(), database: databaseName.optional() })
    .prefault({}),
  local: z
    .strictObject({
      port: port(1).default(27021),
      replSetName: z.string().min(1).default('outpost'),
      mongodPath: z.string().min(1).optional(),
      metaDatabase: databaseName.default('outpost'),
      /**
       * Access control with generated passwords. Unset: on for a new data directory, off (with a
       * warning) for one made before Outpost had it, whose POS still connects without a password.
       */
      auth: z.boolean().optional(),
    })
    .prefault({}),
  databases: z.array(databaseSchema).default([]),
  /** Collection names never synced, in every database. */
  exclude: z.array(z.string().min(1)).default([]),
  /** The value matched by `scope` filters. */
  siteId: z.string().min(1).optional(),
  sync: z
    .strictObject({
      batchSize: positiveInt.default(500),
      pushIntervalMs: nonNegativeInt.default(200),
      captureLingerMs: nonNegativeInt.default(50),
      capturePollMs: nonNegativeInt.default(200),
      pullBatchSize: positiveInt.default(500),
      pullPollMs: nonNegativeInt.default(250),
      pullIdlePollMs: nonNegativeInt.default(1_000),
      // A site's new documents are dated up to about 2 s before their commit at central
      // (push/central-time.ts): a catch-up scan that starts closer to its checkpoint can miss them.
      lookbackMs: z
        .int({ error: LOOKBACK_FORM })
        .min(MIN_LOOKBACK_MS, { error: LOOKBACK_FORM })
        .default(60_000),
      backoff: backoffSchema,
      offlineAfterMs: nonNegativeInt.default(5_000),
    })
    .prefault({}),
  api: z
    .strictObject({
      host: z.string().min(1).default('127.0.0.1'),
      // 0 lets the OS pick a free port (tests, several headless instances on one box).
      port: port(0).default(27_080),
    })
    .prefault({}),
  /** Thresholds of the health checks (sync/status/health.ts); a value over `...Warn` warns. */
  health: z
    .strictObject({
      queueWarn: nonNegativeInt.default(1_000),
      failureRateWarn: z.number().min(0).max(1).default(0.05),
      centralDownFailMs: nonNegativeInt.default(300_000),
      /** Age of the oldest unsynced change, and propagation lag of pulled changes. */
      syncLagWarnMs: nonNegativeInt.default(300_000),
      openConflictsWarn: nonNegativeInt.default(0),
      clockSkewWarnMs: nonNegativeInt.default(5_000),
      clockSkewFailMs: nonNegativeInt.default(120_000),
      /** Free space on the data directory's file system. */
      diskWarnBytes: nonNegativeInt.default(1024 ** 3),
      diskFailBytes: nonNegativeInt.default(200 * 1024 ** 2),
      /** More restarts of one engine loop than this within the window fail the worker check. */
      loopRestartsFail: restartCount.default(5),
      loopRestartWindowMs: positiveInt.default(60_000),
      /** Window of push/pull rates and of the failure rate. */
      rateWindowMs: positiveInt.default(60_000),
    })
    .prefault({}),
  log: z.strictObject({ level: z.enum(LOG_LEVELS).default('info') }).prefault({}),
  verify: z.strictObject({ intervalMs: nonNegativeInt.default(0) }).prefault({}),
  /** Scheduled backups into <dataDir>/backups (backup/schedule.ts). */
  backup: z
    .strictObject({
      /** Default daily; 0 for none. */
      intervalMs: nonNegativeInt.default(86_400_000),
      /** The newest this many backups in <dataDir>/backups are kept; older ones are removed. */
      keep: positiveInt.default(7),
      gzip: z.boolean().default(true),
    })
    .prefault({}),
  /** Health checks that turn warn or fail, and pass again, announced (status/alerts.ts). */
  alerts: z
    .strictObject({
      webhookUrl: webhookUrl.optional(),
      intervalMs: positiveInt
        .min(1_000, { error: 'a whole number of ms, at least 1000' })
        .default(30_000),
    })
    .prefault({}),
};

/**
 * Two entries for one database would make its rules ambiguous, and two site databases synced with
 * one central database would mix their documents. `central.database` names the central database
 * of the only synced one.
 */
function rejectDuplicateDatabases(ctx: {
  value: {
    databases: readonly { name: string; centralName?: string | undefined }[];
    central?: { database?: string | undefined } | undefined;
  };
  issues: z.core.$ZodRawIssue[];
}) {
  const seen = new Set<string>();
  const atCentral = new Set<string>();
  const shorthand = ctx.value.central?.database;
  if (shorthand !== undefined && ctx.value.databases.length > 1) {
    ctx.issues.push({
      code: 'custom',
      path: ['central', 'database'],
      input: shorthand,
      message:
        'no central.database while several databases sync: set databases[].centralName on each ' +
        'that has another name at central',
    });
  }
  ctx.value.databases.forEach((db, index) => {
    if (seen.has(db.name)) {
      ctx.issues.push({
        code: 'custom',
        path: ['databases', index, 'name'],
        input: db.name,
        message: 'a database name not listed earlier in databases',
      });
    }
    seen.add(db.name);
    const central = db.centralName ?? (ctx.value.databases.length === 1 ? shorthand : undefined);
    const target = central ?? db.name;
    if (atCentral.has(target)) {
      ctx.issues.push({
        code: 'custom',
        path: ['databases', index, db.centralName ? 'centralName' : 'name'],
        input: target,
        message: `a central database no other synced database uses (${target} is taken)`,
      });
    }
    atCentral.add(target);
  });
}

/** The effective config: every layer merged, `dataDir` required. */
export const configSchema = z.strictObject(shape).check(rejectDuplicateDatabases);

/** What a config file may hold: the same, but `dataDir` may come from another layer. */
export const configFileSchema = z
  .strictObject({ ...shape, dataDir: shape.dataDir.optional() })
  .check(rejectDuplicateDatabases);

export type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** A merge patch: any subset, where `null` removes a key (RFC 7396). */
export type ConfigPatch<T = ConfigFileInput> = T extends unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: ConfigPatch<T[K]> | null }
    : T;

export type ConfigInput = z.input<typeof configSchema>;
export type ConfigFileInput = z.input<typeof configFileSchema>;
export type Config = DeepReadonly<z.output<typeof configSchema>>;
export type CollectionRuleInput = z.input<typeof collectionRuleSchema>;
export type CollectionRule = DeepReadonly<z.output<typeof collectionRuleSchema>>;
export type LogLevel = (typeof LOG_LEVELS)[number];
