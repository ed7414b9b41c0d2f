/**
 * The handler of each bridge call, keyed by call name. Arguments arrive already validated
 * (handlers.ts); each handler reads the engine through `engine.context` or the status source.
 */
import { redactConfig, updateConfig, type ConfigFileInput } from '../config/index.js';
import type { EngineContext } from '../engine/context.js';
import type { LocalStore } from '../engine/store.js';
import { ErrorCode, OutpostError, toOutpostError } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import { redactDeep } from '../logging/redact.js';
import type { StatusSource } from '../status/status-source.js';
import type { EngineState } from '../status/engine-state.js';
import type { ApiHandlerOptions, CallHandlers } from './handlers.js';
import { testCentralConnection } from './connection-test.js';
import { centralNames } from './engine-options.js';
import type { BoundDatabase } from '../central/identity.js';
import { listConflicts, listLog, listOutbox, listQuarantine } from './queries.js';
import { retrySetAside } from '../engine/set-aside.js';
import { syncRun } from './sync-run.js';
import { documentStates } from './document-state.js';
import { postAlert } from '../status/alerts.js';
import { listSites, retireSite } from '../sites/registry.js';
import type { JsonObject } from './views.js';

interface CallContext extends ApiHandlerOptions {
  source: StatusSource;
  logger: Logger;
}

function notImplemented(call: string, what: string): OutpostError {
  return new OutpostError(
    ErrorCode.NotImplemented,
    `${what} is not available in this version of Outpost (${call}).`,
    { details: { call } },
  );
}

export function createCallHandlers(c: CallContext): CallHandlers {
  const { engine } = c;
  /** The effective config: the host's when it applies changes, else the one started with. */
  const effective = () => c.liveConfig?.current() ?? c.config;
  const store = (): LocalStore | undefined => engine.context?.store;

  /** The engine's context, for an action that needs a syncing instance; `why` when there is none. */
  function syncing(why: string): EngineContext {
    if (!engine.context) throw new OutpostError(ErrorCode.InvalidState, why);
    return engine.context;
  }

  /** Operator actions go to the sync log (the audit trail) as well as to the process log. */
  async function audit(event: string, attributes: Record<string, unknown> = {}): Promise<void> {
    c.logger.info({ event, ...attributes });
    await store()
      ?.log.insertOne({ at: new Date(), event, level: 'info', ...attributes })
      .catch((error: unknown) => c.logger.debug({ event: 'api.audit-failed', error }));
  }

  /** The synced databases and the central each synced with, for "what saving does". */
  async function boundDatabases(): Promise<BoundDatabase[]> {
    const checkpoints = store()?.checkpoints;
    if (!checkpoints) return [];
    const config = effective();
    const names = centralNames(config);
    const bound: BoundDatabase[] = [];
    for (const { name } of config.databases) {
      const recorded = await checkpoints.findOne({ _id: `central:${name}` });
      if (recorded?.centralId)
        bound.push({
          db: name,
          centralName: names.get(name) ?? name,
          centralId: recorded.centralId,
          cluster: recorded.cluster,
        });
    }
    return bound;
  }

  const currentState = async (): Promise<{ state: EngineState }> => ({
    state: (await c.source.engineStatus()).state,
  });

  return {
    'app:get-info': () =>
      Promise.resolve({
        version: c.app?.version ?? '0.0.0',
        instanceId: c.instanceId,
        headless: c.app?.headless ?? true,
        localUri: c.app?.localUri ?? null,
      }),
    'sync:get-status': () => c.source.status(),
    'sync:get-health': () => c.source.health(),
    'sync:run-now': async (args) => {
      if (!args?.wait) {
        engine.syncNow();
        await audit('operator.sync-requested');
        return currentState();
      }
      const run = await syncRun(engine, { timeoutMs: args.timeoutMs ?? 60_000 });
      // Activity names the collections that moved; the counts are in the reply.
      await audit('operator.sync-run', {
        ...run,
        collections: run.collections.map((c) => `${c.db}.${c.coll}`),
      });
      return { ...(await currentState()), run };
    },
    'sync:pause': async () => {
      await engine.pause();
      await audit('operator.paused');
      return currentState();
    },
    'sync:resume': async () => {
      await engine.resume();
      await audit('operator.resumed');
      return currentState();
    },
    'sync:verify': async (args) => {
      if (!c.verify) throw notImplemented('sync:verify', 'Verify and repair');
      await audit('operator.verify-started', { ...args });
      return c.verify.verify(args);
    },
    'collections:list': async (args) => {
      const ctx = engine.context;
      if (!ctx) return { collections: [] };
      const state = (await c.source.engineStatus()).state.name;
      const centralReachable = state === 'syncing' || state === 'idle';
      return { collections: await c.source.collections.list(ctx, { ...args, centralReachable }) };
    },
    'conflicts:list': async (args) => {
      const s = store();
      return { conflicts: s ? await listConflicts(s, args) : [] };
    },
    'conflicts:resolve': async (args) => {
      if (!c.conflicts) throw notImplemented('conflicts:resolve', 'Resolving a conflict by hand');
      const result = await c.conflicts.resolve(args);
      await audit('operator.conflict-resolved', { conflict: args.id, keep: args.keep });
      return result;
    },
    'conflicts:auto-resolve': async (args) => {
      if (!c.conflicts) throw notImplemented('conflicts:auto-resolve', 'Auto-resolving conflicts');
      const result = await c.conflicts.autoResolve(args);
      await audit('operator.conflicts-auto-resolved', { ...args, resolved: result.resolved });
      return result;
    },
    'log:list': async (args) => {
      const s = store();
      return { entries: s ? await listLog(s, args) : [] };
    },
    'outbox:list': async (args) => {
      const s = store();
      return s ? listOutbox(s, args) : { entries: [], total: 0 };
    },
    'quarantine:list': async (args) => {
      const s = store();
      return { items: s ? await listQuarantine(s, args) : [] };
    },
    'quarantine:retry': async (args) => {
      const ctx = syncing('Nothing is set aside to try again: this instance does not sync.');
      const result = await retrySetAside(ctx, args);
      await audit('operator.quarantine-retried', { ...args, ...result });
      return result;
    },
    'sites:list': async () => {
      const ctx = engine.context;
      return { sites: ctx ? await listSites(ctx) : [] };
    },
    'sites:retire': async ({ instanceId }) => {
      const ctx = syncing(
        'This instance does not sync, so it cannot reach the site registry at central.',
      );
      const databases = await retireSite(ctx, instanceId);
      await audit('operator.site-retired', { instanceId, databases });
      return { instanceId, databases };
    },
    'config:get': () =>
      Promise.resolve({
        config: redactConfig(effective()),
        file: c.configWriter?.location ?? c.configFile ?? null,
      }),
    'config:update': async ({ patch }) => {
      let file: string;
      let saved: ConfigFileInput;
      if (c.configWriter) {
        file = c.configWriter.location;
        saved = await c.configWriter.update(patch);
      } else if (c.configFile) {
        file = c.configFile;
        saved = await updateConfig(c.configFile, patch);
      } else {
        throw new OutpostError(
          ErrorCode.ConfigNotWritable,
          'This instance was started without a config file, so there is no file to update. ' +
            'Start it with --config <file> to change settings from the app or the CLI.',
        );
      }
      await audit('operator.config-updated', { keys: Object.keys(patch) });
      const result = { file, saved: redactDeep(saved) as JsonObject };
      if (!c.liveConfig) return { ...result, applied: [], restartFor: [], restartRequired: true };
      // Saved whatever happens next: a change that fails to apply still runs after a restart.
      const applied = await c.liveConfig
        .apply(patch)
        .catch((error: unknown) => {
          const failure = toOutpostError(error);
          throw new OutpostError(
            failure.code,
            `Saved to ${file}, but putting it into effect failed: ${failure.message}`,
            { details: { ...failure.details, file }, cause: error },
          );
        })
        .finally(() => c.source.setThresholds(effective().health));
      await audit('operator.config-applied', {
        applied: applied.applied,
        restartFor: applied.restartFor,
      });
      return {
        ...result,
        applied: applied.applied,
        restartFor: applied.restartFor,
        restartRequired: applied.restartFor.length > 0,
      };
    },
    'config:reload': async () => {
      const reload = c.liveConfig?.reload;
      if (!reload)
        throw new OutpostError(
          ErrorCode.InvalidState,
          'This instance was started without a config file, so there is nothing to read again. ' +
            'Start it with --config <file> to change settings by editing the file.',
        );
      const file = c.configWriter?.location ?? c.configFile ?? null;
      const applied = await reload().finally(() => c.source.setThresholds(effective().health));
      // A file saved by config:update is read again by the watcher: nothing changed, no entry.
      if (applied.applied.length > 0 || applied.restartFor.length > 0)
        await audit('config.reloaded', {
          file,
          applied: applied.applied,
          restartFor: applied.restartFor,
        });
      return { file, ...applied, restartRequired: applied.restartFor.length > 0 };
    },
    'documents:sync-state': async (args) => {
      const ctx = syncing('This instance does not sync: no document is sent to central.');
      return { documents: await documentStates(ctx, args) };
    },
    'backup:create': async (args) => {
      if (!c.backup) throw notImplemented('backup:create', 'Backup');
      const report = await c.backup.backup(args);
      await audit('operator.backup-created', {
        dir: report.dir,
        databases: report.databases.map((db) => db.name),
        documents: report.documents,
        consistent: report.consistent,
      });
      return report;
    },
    'backup:restore': async (args) => {
      if (!c.backup) throw notImplemented('backup:restore', 'Restore');
      const report = await c.backup.restore(args);
      await audit('operator.backup-restored', {
        dir: report.dir,
        databases: report.databases.map((db) => db.name),
        documents: report.documents,
        verified: report.verified,
      });
      return report;
    },
    'backup:list': async () => {
      if (!c.backup) throw notImplemented('backup:list', 'Backup');
      return { backups: await c.backup.list() };
    },
    'alerts:test': async ({ url }) => {
      const target = url ?? effective().alerts.webhookUrl;
      if (!target)
        throw new OutpostError(
          ErrorCode.InvalidArgs,
          'No alert webhook is set: give the address to test, or set alerts.webhookUrl.',
        );
      try {
        await postAlert(target, {
          kind: 'test',
          check: null,
          status: 'pass',
          message: 'A test alert from Outpost: alerts reach this address.',
          instanceId: c.instanceId,
          at: new Date().toISOString(),
        });
        return { ok: true, message: 'The test alert was taken (the receiver answered 2xx).' };
      } catch (error) {
        return {
          ok: false,
          message: `The test alert did not get through: ${error instanceof Error ? error.message : String(error)}.`,
        };
      }
    },
    'settings:test-connection': async ({ uri }) => {
      const result = await testCentralConnection(uri, { bound: await boundDatabases() });
      // The string itself is never logged: it may hold a password.
      c.logger.info({ event: 'api.connection-tested', ok: result.ok, problem: result.problem });
      return result;
    },
  };
}
