/**
 * The sync side of a running instance, and settings changes applied to it without a restart:
 * the engine (behind a LiveEngine that the API, tray and CLI keep), its client of central and the
 * scheduled verify, all built from the current config. `apply(next)` replaces the engine when the
 * rules, central or sync tuning changed (local-only when central or the databases are gone),
 * restarts the verify schedule when its interval changed, and reports what waits for a restart.
 */
import { MongoClient } from 'mongodb';
import { configChanges } from '../config/changes.js';
import type { Config } from '../config/index.js';
import { engineClientOptions } from '../engine/client-options.js';
import {
  createSyncEngine,
  type SyncEngineOptions,
  type SyncEngine,
} from '../engine/create-engine.js';
import type { Logger } from '../logging/logger.js';
import type { OnFirstSync, OnNewCentral } from '../central/identity.js';
import { startScheduledVerify } from '../verify/service.js';
import { withCentralNames } from '../engine/central-names.js';
import {
  centralNames,
  engineOptionsFromConfig,
  syncMode,
  type SyncMode,
} from './engine-options.js';
import { LiveEngine } from './live-engine.js';
import { localOnlyEngine } from './local-only-engine.js';
import type { AppliedConfig } from './views.js';

/** Central is often across the internet: give up a server selection after 5 s, then retry. */
const CENTRAL_SERVER_SELECTION_TIMEOUT_MS = 5_000;

export interface SyncRuntimeOptions {
  config: Config;
  instanceId: string;
  local: MongoClient;
  /** The local mongod's connection string for Outpost's own clients. */
  localUri: string;
  logger: Logger;
  site: SyncEngineOptions['site'];
  /** Before a database first syncs (see SyncEngineOptions.onFirstSync): its backup. */
  onFirstSync?: OnFirstSync | undefined;
  /** Before a database syncs anew with another central (see SyncEngineOptions.onNewCentral). */
  onNewCentral?: OnNewCentral | undefined;
}

export class SyncRuntime {
  readonly engine: LiveEngine;
  private current: Config;
  private central: MongoClient | undefined;
  /** The connection string `central` was made with. */
  private centralUri: string | undefined;
  private stopVerify: (() => Promise<void>) | undefined;
  /** One change at a time, in the order saved. */
  private applying: Promise<unknown> = Promise.resolve();
  private readonly log: Logger;

  constructor(private readonly options: SyncRuntimeOptions) {
    this.current = options.config;
    this.log = options.logger.child({ component: 'outpost' });
    const built = this.build(options.config);
    this.engine = new LiveEngine(built.engine);
    this.central = built.central;
  }

  get config(): Config {
    return this.current;
  }

  get mode(): SyncMode {
    return syncMode(this.current);
  }

  async start(): Promise<void> {
    const mode = this.mode;
    if (!mode.enabled) this.log.warn({ event: 'sync.disabled', reason: mode.reason }, mode.message);
    await this.engine.start();
    this.schedule();
  }

  /** Stops the verify schedule and the engine, then closes the client of central. */
  async stop(): Promise<void> {
    await this.stopVerify?.();
    this.stopVerify = undefined;
    await this.engine.stop();
    await this.central
      ?.close()
      .catch((error: unknown) => this.log.debug({ event: 'outpost.client-close-failed', error }));
  }

  /**
   * Puts the config `read` returns into effect as far as it can be without a restart. Changes
   * run one at a time, each reading its config when its turn comes, so that a file read before
   * another change was saved never undoes that change. A read that fails changes nothing. A new
   * engine that fails to start is left in place in its error state (status says why) and its
   * error is thrown; the config is then the new one all the same, as a restart would run it.
   */
  apply(read: () => Promise<Config>): Promise<AppliedConfig> {
    const run = this.applying.then(async () => {
      const next = await read();
      const changes = configChanges(this.current, next);
      this.current = next;
      if (changes.changed.length > 0)
        this.log.info({
          event: 'config.applied',
          live: changes.live,
          restart: changes.restart,
          engineReplaced: changes.engine,
        });
      if (changes.live.includes('verify.intervalMs')) {
        await this.stopVerify?.();
        this.stopVerify = undefined;
        this.schedule();
      }
      if (changes.engine) {
        const previous = this.central;
        const built = this.build(next, previous);
        const mode = this.mode;
        if (!mode.enabled)
          this.log.warn({ event: 'sync.disabled', reason: mode.reason }, mode.message);
        this.central = built.central;
        try {
          await this.engine.replace(built.engine);
        } finally {
          // The old engine has stopped (replace stops it first): nothing uses its client now.
          if (previous !== this.central)
            await previous
              ?.close()
              .catch((error: unknown) =>
                this.log.debug({ event: 'outpost.client-close-failed', error }),
              );
        }
      }
      return { applied: changes.live, restartFor: changes.restart };
    });
    this.applying = run.catch(() => undefined);
    return run;
  }

  private schedule(): void {
    const intervalMs = this.current.verify.intervalMs;
    if (intervalMs > 0 && this.mode.enabled)
      this.stopVerify = startScheduledVerify(this.engine, intervalMs, this.options.logger);
  }

  /**
   * The engine `config` asks for, with a client of central (`reuse` when it is for the same
   * connection string); local-only without one.
   */
  private build(
    config: Config,
    reuse?: MongoClient,
  ): { engine: SyncEngine; central: MongoClient | undefined } {
    const mode = syncMode(config);
    if (!mode.enabled)
      return { engine: localOnlyEngine(this.options.instanceId, mode.message), central: undefined };
    // Not connected here: the driver connects on first use, and a central that is down at
    // start-up is the offline case the engine handles, not a start failure.
    const central =
      reuse && this.centralUri === mode.centralUri
        ? reuse
        : new MongoClient(
            mode.centralUri,
            engineClientOptions({ serverSelectionTimeoutMS: CENTRAL_SERVER_SELECTION_TIMEOUT_MS }),
          );
    this.centralUri = mode.centralUri;
    const engine = createSyncEngine({
      ...engineOptionsFromConfig(config),
      instanceId: this.options.instanceId,
      local: this.options.local,
      localUri: this.options.localUri,
      central: withCentralNames(central, centralNames(config)),
      logger: this.options.logger,
      site: this.options.site,
      ...(this.options.onNewCentral ? { onNewCentral: this.options.onNewCentral } : {}),
      ...(this.options.onFirstSync ? { onFirstSync: this.options.onFirstSync } : {}),
    });
    return { engine, central };
  }
}
