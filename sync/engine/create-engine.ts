import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import os from 'node:os';
import { MongoClient } from 'mongodb';
import { Capture } from '../capture/capture.js';
import { createConflictService, type ConflictService } from '../conflicts/service.js';
import { isRetryable, toOutpostError } from '../errors.js';
import { silentLogger, type Logger } from '../logging/logger.js';
import { Pull } from '../pull/pull.js';
import { ensureCentralIndexes } from '../pull/scan.js';
import { Push } from '../push/push.js';
import {
  collectTombstones,
  heartbeat,
  measureSkew,
  type DuplicateInstance,
} from '../sites/registry.js';
import {
  assertEngineTransition,
  type EngineState,
  type EngineStateName,
  type LoopLiveness,
} from '../status/engine-state.js';
import { backoffDelay, sleep } from '../util/backoff.js';
import { centralFailure, isServerTooOld } from './central-error.js';
import {
  centralBinding,
  type BindingStep,
  type OnFirstSync,
  type OnNewCentral,
} from '../central/identity.js';
import {
  DEFAULT_TUNABLES,
  newCounters,
  type EngineContext,
  type EngineCounters,
  type EngineTunables,
  type Faults,
} from './context.js';
import { HybridClock } from './hlc.js';
import { engineClientOptions } from './client-options.js';
import { LoopMonitor } from './loop-monitor.js';
import { SyncRules, type RulesInput } from './rules.js';
import { openLocalStore, storeHandles, UNPARKED } from './store.js';

export interface SyncEngineOptions {
  instanceId: string;
  /** Client of the site's own mongod (a replica set: change streams and transactions). */
  local: MongoClient;
  /**
   * Connection string of the local mongod. With it, pull applies through a client of its own whose
   * changes capture filters out on the server (see EngineContext.apply); without it they are
   * captured and dropped as echoes by hash, which is correct but costs work per inbound document.
   */
  localUri?: string | undefined;
  /** Client of central (Atlas, replica set or sharded cluster). */
  central: MongoClient;
  rules: RulesInput;
  metaDatabase?: string;
  logger?: Logger;
  /** Wall clock in ms; tests skew it. */
  clock?: () => number;
  tunables?: Partial<EngineTunables>;
  faults?: Faults;
  site?: { machineHash?: string; hostname?: string; version?: string };
  /**
   * Called when central turns out to be another central than the one a database synced with,
   * before the site forgets what it knew of the old one (the runtime backs the database up).
   * A failure is logged and the database syncs with the new central all the same.
   */
  onNewCentral?: OnNewCentral;
  /**
   * Called when a database is about to sync for the first time (no central recorded, no pull
   * checkpoint, no meta: a site's first contact with central, or a database or central added
   * later), before pull or push change anything (the runtime backs it up). As onNewCentral, a
   * failure is logged and the database syncs all the same.
   */
  onFirstSync?: OnFirstSync;
}

export interface PreparingView {
  db: string;
  step: BindingStep;
  /** When the step began (ISO). */
  since: string;
}

export interface BootstrapProgress {
  db: string;
  done: number;
  total: number;
}

export interface EngineStatus {
  instanceId: string;
  state: EngineState;
  outboxDepth: number;
  oldestUnsyncedAgeMs: number | null;
  quarantined: number;
  openConflicts: number;
  counters: EngineCounters;
  centralRoundTripMs: number | null;
  clockSkewMs: number | null;
  lastSyncAt: string | null;
  bootstrap: BootstrapProgress[];
  /**
   * Databases whose sync waits for a step of the central check (a backup before a first sync or
   * a new central, queueing for a new central): nothing is pulled or sent for them until it ends.
   */
  preparing: PreparingView[];
  duplicateInstance: DuplicateInstance | null;
  /** Supervised loops by name (`capture:<db>`, `pull:<db>`, `push`, `heartbeat`). */
  loops: Record<string, LoopLiveness>;
}

/** What status() reads from the local store; kept so a stopped engine still reports it. */
interface StoreCounts {
  outboxDepth: number;
  oldestFirstAt: Date | null;
  quarantined: number;
  openConflicts: number;
}

const NO_COUNTS: StoreCounts = {
  outboxDepth: 0,
  oldestFirstAt: null,
  quarantined: 0,
  openConflicts: 0,
};

export interface SyncEngine {
  readonly instanceId: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  /** Pushes due work and polls central now, instead of at the next interval. */
  syncNow(): void;
  /**
   * Per synced database, how many polls of central found nothing more to apply: one that grows
   * after a `syncNow` means everything central had by then is here.
   */
  caughtUp(): Record<string, number>;
  status(): Promise<EngineStatus>;
  onStateChange(listener: (state: EngineState) => void): () => void;
  /** A conflict now waits for the operator (manual strategy, unique clash, merge fallback). */
  onConflictOpened(listener: (key: { db: string; coll: string; id: unknown }) => void): () => void;
  /** Conflict list, operator decisions and auto-resolve; available once started. */
  readonly conflicts: ConflictService | undefined;
  readonly context: EngineContext | undefined;
}

/** The checkpoint recording an operator's pause, so that a restart stays paused. */
const PAUSED_ID = 'paused';

/** How long a resume waits for the paused loops to end before starting new ones anyway. */
const RESUME_WAIT_MS = 5_000;

export function createSyncEngine(options: SyncEngineOptions): SyncEngine {
  return new Engine(options);
}

class Engine implements SyncEngine {
  private state: EngineState = { name: 'stopped', since: new Date().toISOString() };
  private readonly listeners = new Set<(state: EngineState) => void>();
  private readonly logger: Logger;
  private readonly tunables: EngineTunables;
  private readonly counters = newCounters();
  private ctx: EngineContext | undefined;
  private conflictService: ConflictService | undefined;
  private applyClient: MongoClient | undefined;
  private readonly events = new EventEmitter();
  private captureControl: AbortController | undefined;
  private syncControl: AbortController | undefined;
  private loops: Promise<void>[] = [];
  /** Pull, push and heartbeat of the last start or resume (pause ends them, capture goes on). */
  private syncLoops: Promise<void>[] = [];
  private resuming: Promise<void> | undefined;
  /** The running pull loops, one per database, for "sync now". */
  private pulls: Pull[] = [];
  /** Caught-up polls of the pull loops that ended (see caughtUp). */
  private readonly caughtUpBefore = new Map<string, number>();
  private readonly liveness = new LoopMonitor();
  private lastCounts: StoreCounts | undefined;
  private wakePush: (() => void) | undefined;
  /** Set by a wake that came while the push loop was not asleep: the loop then does not sleep. */
  private pushWanted = false;
  private centralDown = false;
  /** The last failure of a call to central that says why (for the offline reason). */
  private centralError: unknown;
  /** Armed by a first failure at central; declares the engine offline unless a success comes. */
  private offlineTimer: NodeJS.Timeout | undefined;
  /** Central answered at least once since start: until then the engine is `connecting`, never
   * `idle` (which the tray shows as "in sync"). */
  private centralSeen = false;
  private skew: { skewMs: number; roundTripMs: number } | undefined;
  private duplicate: DuplicateInstance | undefined;
  private readonly progress = new Map<string, BootstrapProgress>();
  private readonly preparing = new Map<string, PreparingView>();
  private readonly sessionId = randomUUID();
  /** The pause or resume under way; the next one waits for it. */
  private control: Promise<void> = Promise.resolve();

  constructor(private readonly options: SyncEngineOptions) {
    this.logger = (options.logger ?? silentLogger()).child({
      component: 'engine',
      instanceId: options.instanceId,
    });
    this.tunables = { ...DEFAULT_TUNABLES, ...options.tunables };
  }

  get instanceId(): string {
    return this.options.instanceId;
  }

  get context(): EngineContext | undefined {
    return this.ctx;
  }

  get conflicts(): ConflictService | undefined {
    return this.conflictService;
  }

  onConflictOpened(listener: (key: { db: string; coll: string; id: unknown }) => void): () => void {
    this.events.on('conflict-opened', listener);
    return () => this.events.off('conflict-opened', listener);
  }

  onStateChange(listener: (state: EngineState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async start(): Promise<void> {
    if (this.state.name !== 'stopped' && this.state.name !== 'error') return;
    this.transition('starting');
    this.liveness.clear();
    for (const [which, client] of [
      ['local', this.options.local],
      ['central', this.options.central],
    ] as const) {
      // Without it a connection that goes silent holds a loop for ever (see SOCKET_TIMEOUT_MS).
      if (!client.options.socketTimeoutMS)
        this.logger.warn({ event: 'engine.client-without-socket-timeout', client: which });
    }
    try {
      const wallClock = this.options.clock ?? Date.now;
      const store = await openLocalStore(
        this.options.local,
        this.options.metaDatabase ?? 'outpost',
      );
      const clock = new HybridClock(this.instanceId, wallClock, await store.loadHlc());
      const apply = await this.openApply(store);
      this.ctx = {
        instanceId: this.instanceId,
        local: this.options.local,
        central: this.options.central,
        store,
        rules: new SyncRules(this.options.rules),
        clock,
        wallClock,
        logger: this.logger,
        tunables: this.tunables,
        faults: this.options.faults,
        metrics: this.counters,
        notifyPush: () => this.requestPush(),
        reportCentral: (ok, error) => this.reportCentral(ok, error),
        events: this.events,
        apply,
        // Set just below: the check needs the context it is part of.
        centralBinding: { ready: () => Promise.reject(new Error('central check not set up')) },
      };
      this.ctx.centralBinding = centralBinding(this.ctx, {
        onNewCentral: (change) =>
          this.hook('onNewCentral', change.db, this.options.onNewCentral, change),
        onFirstSync: (db) => this.hook('onFirstSync', db, this.options.onFirstSync, db),
        onStep: (db, step) => {
          if (step) this.preparing.set(db, { db, step, since: new Date().toISOString() });
          else this.preparing.delete(db);
        },
      });
    } catch (error) {
      this.fail(error);
      throw error;
    }
    this.conflictService = createConflictService(this.ctx);
    this.transition('local-ready');
    const paused = await this.ctx.store.checkpoints
      .findOne({ _id: PAUSED_ID })
      .catch((error: unknown) => {
        this.fail(error);
        throw error;
      });
    this.captureControl = new AbortController();
    for (const db of this.ctx.rules.databases) {
      const capture = new Capture(this.ctx, db);
      this.loops.push(
        this.supervise(
          `capture:${db}`,
          (signal) => capture.run(signal),
          this.captureControl.signal,
        ),
      );
    }
    if (paused) {
      // Paused by the operator before a restart: capture records the site's sales, nothing is
      // sent or pulled until resumed.
      this.transition('paused');
      this.logger.info({ event: 'engine.paused-at-start', pausedAt: paused.at });
      return;
    }
    this.startSyncLoops();
  }

  private async openApply(store: EngineContext['store']): Promise<EngineContext['apply']> {
    const databases = this.options.rules.databases.map((db) => db.name);
    if (!this.options.localUri)
      return { client: this.options.local, store, sessions: new Map(), sessionIds: [] };
    const client = new MongoClient(
      this.options.localUri,
      engineClientOptions(
        { maxPoolSize: databases.length + 2, appName: `outpost-apply:${this.instanceId}` },
        this.tunables.socketTimeoutMs,
      ),
    );
    await client.connect();
    this.applyClient = client;
    const sessions = new Map(databases.map((db) => [db, client.startSession()]));
    const sessionIds = [...sessions.values()]
      .map((session) => session.id?.['id'])
      .filter((id) => id !== undefined);
    return {
      client,
      store: storeHandles(client, this.options.metaDatabase ?? 'outpost'),
      sessions,
      sessionIds,
    };
  }

  private startSyncLoops(): void {
    const ctx = this.ctx!;
    this.transition('connecting');
    const control = (this.syncControl = new AbortController());
    const onProgress = (progress: BootstrapProgress) => this.progress.set(progress.db, progress);
    // Counted across the pulls of earlier starts and resumes: caughtUp() only grows.
    for (const pull of this.pulls)
      this.caughtUpBefore.set(pull.db, (this.caughtUpBefore.get(pull.db) ?? 0) + pull.caughtUp);
    this.pulls = [];
    const loops: Promise<void>[] = [];
    for (const db of ctx.rules.databases) {
      const pull = new Pull(ctx, db, onProgress);
      this.pulls.push(pull);
      loops.push(
        this.supervise(
          `pull:${db}`,
          async (signal) => {
            await ensureCentralIndexes(ctx, db);
            await ctx.centralBinding.ready(db);
            await pull.run(signal);
          },
          control.signal,
        ),
      );
    }
    const push = new Push(ctx);
    loops.push(
      this.supervise('push', (signal) => this.pushLoop(push, signal), control.signal),
      this.supervise('heartbeat', (signal) => this.heartbeatLoop(signal), control.signal),
    );
    this.syncLoops = loops;
    this.loops.push(...loops);
  }

  async stop(): Promise<void> {
    if (this.state.name === 'stopped') return;
    this.disarmOffline();
    this.captureControl?.abort();
    this.syncControl?.abort();
    this.requestPush();
    await Promise.allSettled(this.loops);
    this.loops = [];
    for (const session of this.ctx?.apply.sessions.values() ?? [])
      await session.endSession().catch(() => undefined);
    await this.applyClient?.close().catch(() => undefined);
    this.applyClient = undefined;
    this.transition('stopped');
  }

  /**
   * Pauses sync until resumed, across restarts too: the pause is recorded in the meta database
   * first, and a failure to record it is thrown with sync left running. Pause and resume run one
   * at a time, in the order asked.
   */
  pause(): Promise<void> {
    return this.controlled(async () => {
      const ctx = this.ctx;
      if (this.state.name === 'paused' || !this.syncControl || !ctx) return;
      await ctx.store.checkpoints.updateOne(
        { _id: PAUSED_ID },
        { $setOnInsert: { at: new Date() } },
        { upsert: true },
      );
      // Stopped meanwhile: the record stands, and the next start is paused.
      if (this.currentState() === 'stopped') return;
      this.disarmOffline();
      this.syncControl?.abort();
      this.requestPush();
      this.transition('paused');
      this.logger.info({ event: 'engine.paused' });
    });
  }

  /** Ends a pause: its record goes first, so that a failure leaves sync paused and says so. */
  resume(): Promise<void> {
    return this.controlled(async () => {
      if (this.state.name !== 'paused' || !this.ctx) return;
      await this.ctx.store.checkpoints.deleteOne({ _id: PAUSED_ID });
      await this.resumeLoops();
    });
  }

  /** The state now, read after an await (where the narrowed type of `this.state` is stale). */
  private currentState(): EngineStateName {
    return this.state.name;
  }

  private controlled(action: () => Promise<void>): Promise<void> {
    const run = this.control.then(action);
    this.control = run.catch(() => undefined);
    return run;
  }

  private resumeLoops(): Promise<void> {
    if (this.state.name !== 'paused') return Promise.resolve();
    // The paused loops first end what they had under way (a push round's recording, a pull
    // batch): new loops beside them would send the same entries again. Not for ever, though: a
    // round stuck on a silent connection waits for the socket timeout, and an operator's resume
    // must not. A batch sent twice is taken for this site's own write, never a loss.
    return (this.resuming ??= (async () => {
      const paused = this.syncLoops;
      let timer: NodeJS.Timeout | undefined;
      const ended = await Promise.race([
        Promise.allSettled(paused).then(() => true),
        new Promise<false>((resolve) => (timer = setTimeout(resolve, RESUME_WAIT_MS, false))),
      ]);
      clearTimeout(timer);
      if (ended) this.loops = this.loops.filter((loop) => !paused.includes(loop));
      this.resuming = undefined;
      // Stopped meanwhile, or stopping: stop ends capture first, and waits for the loops it knew.
      if (this.state.name !== 'paused' || this.captureControl?.signal.aborted) return;
      this.logger.info({ event: 'engine.resumed' });
      this.startSyncLoops();
    })());
  }

  syncNow(): void {
    this.requestPush();
    for (const pull of this.pulls) pull.wake();
  }

  caughtUp(): Record<string, number> {
    return Object.fromEntries(
      this.pulls.map((pull) => [pull.db, (this.caughtUpBefore.get(pull.db) ?? 0) + pull.caughtUp]),
    );
  }

  async status(): Promise<EngineStatus> {
    // Stopped (or never started): the clients may be closed, so report the last counts read.
    const counts =
      this.ctx && this.state.name !== 'stopped'
        ? (this.lastCounts = await this.storeCounts(this.ctx))
        : (this.lastCounts ?? NO_COUNTS);
    const { outboxDepth, oldestFirstAt, quarantined, openConflicts } = counts;
    const last = [this.counters.lastPushAt, this.counters.lastPullAt]
      .filter((d) => d !== undefined)
      .sort((a, b) => b.getTime() - a.getTime())[0];
    return {
      instanceId: this.instanceId,
      state: this.state,
      outboxDepth,
      oldestUnsyncedAgeMs: oldestFirstAt ? Date.now() - oldestFirstAt.getTime() : null,
      quarantined,
      openConflicts,
      counters: { ...this.counters, byCollection: structuredClone(this.counters.byCollection) },
      centralRoundTripMs: this.skew?.roundTripMs ?? null,
      clockSkewMs: this.skew?.skewMs ?? null,
      lastSyncAt: last?.toISOString() ?? null,
      bootstrap: [...this.progress.values()],
      preparing: [...this.preparing.values()],
      duplicateInstance: this.duplicate ?? null,
      loops: this.liveness.snapshot(),
    };
  }

  private async storeCounts(ctx: EngineContext): Promise<StoreCounts> {
    const [outboxDepth, oldest, quarantined, openConflicts] = await Promise.all([
      ctx.store.outbox.estimatedDocumentCount(),
      ctx.store.outbox
        .find({}, { projection: { firstAt: 1 } })
        .sort({ firstAt: 1 })
        .limit(1)
        .next(),
      ctx.store.quarantine.countDocuments(),
      ctx.store.conflicts.countDocuments({ state: 'open' }),
    ]);
    return { outboxDepth, oldestFirstAt: oldest?.firstAt ?? null, quarantined, openConflicts };
  }

  private requestPush(): void {
    this.pushWanted = true;
    this.wakePush?.();
  }

  private async pushLoop(push: Push, signal: AbortSignal): Promise<void> {
    try {
      await this.pushRounds(push, signal);
    } finally {
      // Its failure, if any, comes out of the round that waits for it; this one only ends it.
      await push.settle().catch(() => undefined);
    }
  }

  private async pushRounds(push: Push, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      this.pushWanted = false;
      const round = await push.runOnce();
      if (round.attempted > 0 && round.failed < round.attempted) this.setActivity('syncing');
      if (round.attempted >= this.tunables.batchSize && round.failed === 0) continue;
      // The round took everything due (a short batch). What it sent is recorded first, so that
      // the outbox (and the status) shows only what is really left. Then sleep until capture (or
      // a resolution, or "sync now") wakes the loop, or until the first backed-off entry is due,
      // rather than polling the outbox five times a second per site. The cap bounds anything
      // that queued an entry without waking it. After failures the loop pauses pushIntervalMs.
      await push.settle();
      const waitMs =
        round.failed === 0
          ? await push.idleWaitMs(this.tunables.pushIdleMs)
          : this.tunables.pushIntervalMs;
      if (this.pushWanted) continue;
      // Nothing is due and no wake is pending (an empty round included): in sync as far as
      // push goes.
      if (round.failed === 0 && waitMs > 0 && !this.centralDown && this.centralSeen)
        this.setActivity('idle');
      await sleep(waitMs, signal, (wake) => (this.wakePush = wake));
    }
  }

  private async heartbeatLoop(signal: AbortSignal): Promise<void> {
    const ctx = this.ctx!;
    const info = {
      machineHash: this.options.site?.machineHash ?? 'unknown',
      hostname: this.options.site?.hostname ?? os.hostname(),
      version: this.options.site?.version ?? '0.0.0',
      sessionId: this.sessionId,
    };
    let beats = 0;
    while (!signal.aborted) {
      try {
        this.skew = await measureSkew(ctx);
        if (Math.abs(this.skew.skewMs) > 5_000)
          this.logger.warn({ event: 'clock.skew', skewMs: this.skew.skewMs });
        let duplicate: DuplicateInstance | undefined;
        for (const db of ctx.rules.databases) {
          await ctx.centralBinding.ready(db);
          duplicate = (await heartbeat(ctx, db, info, beats === 0)) ?? duplicate;
        }
        this.duplicate = duplicate;
        if (beats++ % this.tunables.tombstoneGcEveryBeats === 0)
          for (const db of ctx.rules.databases) await collectTombstones(ctx, db);
        this.reportCentral(true);
      } catch (error) {
        if (!isRetryable(error)) throw error;
        this.reportCentral(false, error);
      }
      await sleep(
        this.centralDown ? Math.min(1_000, this.tunables.heartbeatMs) : this.tunables.heartbeatMs,
        signal,
      );
    }
  }

  /** Runs one of the owner's hooks (backups before a database syncs); a failure is logged. */
  private async hook<T>(
    name: string,
    db: string,
    hook: ((arg: T) => Promise<void>) | undefined,
    arg: T,
  ): Promise<void> {
    try {
      await hook?.(arg);
    } catch (error) {
      this.logger.error({ event: 'engine.hook-failed', hook: name, db, error });
    }
  }

  /** Runs a loop forever: errors are logged and the loop restarts after a backoff. */
  private async supervise(
    name: string,
    body: (signal: AbortSignal) => Promise<void>,
    signal: AbortSignal,
  ): Promise<void> {
    let attempt = 0;
    while (!signal.aborted) {
      this.liveness.started(name);
      try {
        await body(signal);
        attempt = 0;
        if (!signal.aborted) await sleep(this.tunables.backoff.initialMs, signal);
      } catch (error) {
        if (signal.aborted) return;
        const retryable = isRetryable(error);
        if (retryable && name !== 'push' && !name.startsWith('capture'))
          this.reportCentral(false, error);
        if (name.startsWith('pull')) this.counters.pullFailures += 1;
        this.liveness.failed(name, error, retryable);
        this.logger[retryable ? 'warn' : 'error']({
          event: 'engine.loop-failed',
          loop: name,
          retryable,
          error,
        });
        await sleep(backoffDelay(this.tunables.backoff, attempt++), signal);
        await this.reconnectIfClosed(error);
      }
    }
  }

  /**
   * A client whose first connection attempt failed closes its topology for good: every later
   * operation fails with MongoTopologyClosedError until connect() is called again.
   */
  private async reconnectIfClosed(error: unknown): Promise<void> {
    if (!isClosedClient(error)) return;
    const [central] = await Promise.allSettled([
      this.options.central.connect(),
      this.options.local.connect(),
    ]);
    // Why central's client closed is only said here (a server too old for the driver, say).
    if (central.status === 'rejected') this.noteCentralError(central.reason);
  }

  private reportCentral(ok: boolean, error?: unknown): void {
    if (!ok) void this.reconnectIfClosed(error);
    // A closed topology follows the failure that closed it (a server too old, say) and says less.
    if (!ok && !isClosedClient(error)) this.noteCentralError(error);
    if (ok) {
      this.disarmOffline();
      this.centralError = undefined;
    }
    if (ok && !this.centralSeen) {
      this.centralSeen = true;
      if (!this.centralDown) this.setActivity('syncing');
    }
    if (ok && this.centralDown) {
      this.centralDown = false;
      this.logger.info({ event: 'central.reachable' });
      this.setActivity('syncing');
      // Work backed off while offline is due now: drain without waiting out the backoff.
      void this.ctx?.store.outbox
        .updateMany({ nextAt: { $gt: new Date() }, ...UNPARKED }, { $set: { nextAt: new Date(0) } })
        .then(() => this.requestPush())
        .catch((cause: unknown) =>
          this.logger.debug({ event: 'outbox.reset-failed', error: cause }),
        );
    } else if (!ok && !this.centralDown && !this.offlineTimer) {
      // A blip (one failed call, then success) is not "offline": only failures with no
      // success for offlineAfterMs are, so the banner and the tray do not flicker.
      // Offline since the first failure, not since the grace ran out.
      const since = new Date().toISOString();
      const goOffline = () => {
        this.offlineTimer = undefined;
        if (this.centralDown || this.state.name === 'stopped' || this.state.name === 'paused')
          return;
        const reason = centralFailure(this.centralError ?? error);
        this.centralDown = true;
        this.logger.warn({ event: 'central.unreachable', reason });
        this.transition('offline', { reason, since });
      };
      if (this.tunables.offlineAfterMs <= 0) goOffline();
      else this.offlineTimer = setTimeout(goOffline, this.tunables.offlineAfterMs);
    }
  }

  /**
   * Keeps why central fails. Offline already, a server too old for the driver (found when the
   * client connects again, after the reason was given) becomes the reason shown; other errors
   * wait for the next outage, so a reason that varies does not announce the outage again.
   */
  private noteCentralError(error: unknown): void {
    this.centralError = error;
    const state = this.state;
    if (!this.centralDown || state.name !== 'offline' || !isServerTooOld(error)) return;
    const reason = centralFailure(error);
    if (state.reason !== reason) this.transition('offline', { reason, since: state.since });
  }

  private disarmOffline(): void {
    clearTimeout(this.offlineTimer);
    this.offlineTimer = undefined;
  }

  private setActivity(name: 'syncing' | 'idle'): void {
    if (this.state.name === 'paused' || this.state.name === 'stopped' || this.state.name === name)
      return;
    if (this.centralDown) return;
    this.transition(name);
  }

  private fail(error: unknown): void {
    this.transition('error', { error: toOutpostError(error).toPayload() });
  }

  private transition(name: EngineStateName, extra: Record<string, unknown> = {}): void {
    if (this.state.name === name && name !== 'offline') return;
    assertEngineTransition(this.state.name, name);
    const from = this.state.name;
    this.state = { name, since: new Date().toISOString(), ...extra } as EngineState;
    this.logger.info({ event: 'engine.state-changed', from, to: name, ...extra });
    for (const listener of this.listeners) listener(this.state);
  }
}

/** A client closed by an earlier failure (see reconnectIfClosed). */
function isClosedClient(error: unknown): boolean {
  const name = (error as { name?: string } | null)?.name;
  return name === 'MongoTopologyClosedError' || name === 'MongoNotConnectedError';
}
