/**
 * The one handler set behind every surface: Electron IPC and the loopback HTTP API both call
 * `invoke(name, args)`, which validates `args` with the call's schema and runs the handler. Errors
 * leave as OutpostError; transports send them as `{code, message, details}` (toErrorPayload).
 */
import type { Config, ConfigFileInput, ConfigPatch } from '../config/index.js';
import type { BackupService } from '../backup/service.js';
import type { BackupHealth } from '../status/health.js';
import type { SyncEngine } from '../engine/create-engine.js';
import { ErrorCode, OutpostError, toOutpostError, type ErrorPayload } from '../errors.js';
import { silentLogger, type Logger } from '../logging/logger.js';
import { redactDeep, redactUri } from '../logging/redact.js';
import { createMetrics, type OutpostMetrics } from '../status/metrics.js';
import { StatusSource, type MongodHealthSource } from '../status/status-source.js';
import {
  BRIDGE_CALLS,
  isBridgeCallName,
  type AutoResolveArgs,
  type BridgeCallName,
  type BridgeCalls,
  type BridgeEventName,
  type BridgeEvents,
  type ResolveConflictArgs,
  type VerifyArgs,
} from './contract.js';
import { recordActivity } from './activity-recorder.js';
import { createCallHandlers } from './call-handlers.js';
import { callSchemas, describeIssues } from './schemas.js';
import type {
  AppliedConfig,
  AutoResolveResult,
  ResolveConflictResult,
  VerifyReport,
} from './views.js';

/** Operator conflict decisions; provided by the conflicts work, absent until then. */
export interface ConflictService {
  resolve(args: ResolveConflictArgs): Promise<ResolveConflictResult>;
  autoResolve(args: AutoResolveArgs): Promise<AutoResolveResult>;
}

/**
 * Saves a config merge patch somewhere other than a JSON file: the desktop app keeps its settings
 * in electron-store, with the central password encrypted apart. Returns what was saved (it may
 * hold a user name; the handler redacts it before it leaves).
 */
export interface ConfigWriter {
  /** Shown as the config's location (`config:get`, `config:update`). */
  readonly location: string;
  update(patch: ConfigPatch): Promise<ConfigFileInput>;
}

/** Verify and repair; provided by the verify work, absent until then. */
export interface VerifyService {
  verify(args: VerifyArgs): Promise<VerifyReport>;
}

export interface ApiHandlerOptions {
  engine: SyncEngine;
  supervisor?: MongodHealthSource | undefined;
  config: Config;
  /** The file `config:update` writes; without it the call is refused. */
  configFile?: string | undefined;
  /** Where `config:update` saves instead of `configFile` (the desktop app's settings store). */
  configWriter?: ConfigWriter | undefined;
  /**
   * A host that applies settings changes while it runs. `apply` puts the config saved by
   * `config:update` into effect as far as it can without a restart (it reads the effective config
   * again: file, environment, flags); `current` is the effective config now, a change that failed
   * to apply included. Without it `config` stands, and every saved change waits for a restart.
   * `reload`, when the settings live somewhere that can be read again (a file edited by hand),
   * reads them and applies what changed (`config:reload`).
   */
  liveConfig?:
    | {
        current(): Config;
        apply(patch: ConfigPatch): Promise<AppliedConfig>;
        reload?: (() => Promise<AppliedConfig>) | undefined;
      }
    | undefined;
  instanceId: string;
  conflicts?: ConflictService | undefined;
  verify?: VerifyService | undefined;
  backup?: BackupService | undefined;
  /** The scheduled backups, for the health check. */
  backupHealth?: (() => BackupHealth) | undefined;
  app?:
    | {
        version?: string;
        headless?: boolean;
        /** The local mongod's connection string, for the POS software. */
        localUri?: string | undefined;
      }
    | undefined;
  logger?: Logger | undefined;
}

export type CallHandlers = {
  readonly [K in BridgeCallName]: (
    args: BridgeCalls[K]['args'],
  ) => Promise<BridgeCalls[K]['result']>;
};

export interface ApiHandlers {
  readonly calls: CallHandlers;
  readonly names: readonly BridgeCallName[];
  /** Validates raw `args` (from IPC or an HTTP body) and runs the named call. */
  invoke(name: string, args: unknown): Promise<unknown>;
  /** Subscribes to an event; returns the unsubscribe function. */
  on<K extends BridgeEventName>(name: K, listener: (payload: BridgeEvents[K]) => void): () => void;
  /** Publishes an error for the UI to show (`app:error-raised`). */
  raiseError(error: unknown): void;
  readonly metrics: OutpostMetrics;
  close(): void;
}

export function createApiHandlers(options: ApiHandlerOptions): ApiHandlers {
  const logger = (options.logger ?? silentLogger()).child({ component: 'api' });
  const health = options.config.health;
  const source = new StatusSource({
    engine: options.engine,
    supervisor: options.supervisor,
    dataDir: options.config.dataDir,
    thresholds: health,
    rateWindowMs: health.rateWindowMs,
    backup: options.backupHealth,
  });
  const metrics = createMetrics(source, {
    instanceId: options.instanceId,
    version: options.app?.version ?? '0.0.0',
  });
  const calls = createCallHandlers({ ...options, source, logger });
  const errorListeners = new Set<(payload: ErrorPayload) => void>();
  const stopRecording = recordActivity(options.engine, logger);

  return {
    calls,
    names: BRIDGE_CALLS,
    metrics,
    async invoke(name, args) {
      if (!isBridgeCallName(name)) {
        throw new OutpostError(ErrorCode.UnknownCall, `There is no call named "${name}".`, {
          details: { name, known: BRIDGE_CALLS },
        });
      }
      const parsed = callSchemas[name].safeParse(args);
      if (!parsed.success) {
        const issues = describeIssues(parsed.error);
        throw new OutpostError(
          ErrorCode.InvalidArgs,
          `Invalid arguments for ${name}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}.`,
          { details: { call: name, issues } },
        );
      }
      const handler = calls[name] as (args: unknown) => Promise<unknown>;
      return handler(parsed.data);
    },
    on(name, listener) {
      if (name === 'app:error-raised') {
        const typed = listener as (payload: ErrorPayload) => void;
        errorListeners.add(typed);
        return () => errorListeners.delete(typed);
      }
      const deliver = listener as (payload: BridgeEvents['sync:status-changed']) => void;
      let changed = false;
      let active = true;
      const unsubscribe = options.engine.onStateChange((state) => {
        changed = true;
        deliver({ state });
      });
      // A new listener learns the current state at once, unless a change beat the lookup.
      options.engine.status().then(
        (status) => active && !changed && deliver({ state: status.state }),
        (error: unknown) => logger.debug({ event: 'api.initial-status-failed', error }),
      );
      return () => {
        active = false;
        unsubscribe();
      };
    },
    raiseError(error) {
      const payload = toErrorPayload(error);
      for (const listener of errorListeners) listener(payload);
    },
    close() {
      stopRecording();
      source.close();
      errorListeners.clear();
    },
  };
}

/** The `{code, message, details}` sent across IPC and HTTP, with credentials removed. */
export function toErrorPayload(error: unknown): ErrorPayload {
  const payload = toOutpostError(error).toPayload();
  return {
    code: payload.code,
    message: redactUri(payload.message),
    ...(payload.details ? { details: redactDeep(payload.details) as Record<string, unknown> } : {}),
  };
}
