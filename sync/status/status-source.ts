/**
 * Everything the status view, the health checks and the metrics read, gathered from the engine
 * (`status()` and `context`), the mongod supervisor and the file system. One per running
 * instance: it follows state changes (for the outage clock) and samples counters (for rates).
 */
import type { EngineStatus, SyncEngine } from '../engine/create-engine.js';
import type { MongodHealth } from '../mongod/supervisor.js';
import type { LocalMongodView, StatusView } from '../api/views.js';
import { CollectionStats } from './collections.js';
import { diskSpace } from './disk.js';
import {
  evaluateHealth,
  type BackupHealth,
  type HealthInputs,
  type HealthReport,
  type HealthThresholds,
} from './health.js';
import { OfflineTracker } from './offline-tracker.js';
import { RateWindow, type Rates } from './rates.js';
import { unlessStalled } from '../util/stall.js';

export interface MongodHealthSource {
  health(): Promise<MongodHealth>;
}

export interface StatusSourceOptions {
  engine: SyncEngine;
  supervisor?: MongodHealthSource | undefined;
  /** Measured for the disk-space check. */
  dataDir: string;
  thresholds: HealthThresholds;
  rateWindowMs: number;
  /** The scheduled backups, for their health check. */
  backup?: (() => BackupHealth) | undefined;
  /** Counter sampling interval; defaults to a sixth of the rate window, at most 5 s. */
  sampleEveryMs?: number;
}

export class StatusSource {
  readonly offline = new OfflineTracker();
  readonly collections = new CollectionStats();
  private readonly rateWindow: RateWindow;
  private readonly unsubscribe: () => void;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly options: StatusSourceOptions) {
    this.rateWindow = new RateWindow(options.rateWindowMs);
    this.unsubscribe = options.engine.onStateChange((state) => this.offline.observe(state));
    const every = options.sampleEveryMs ?? Math.min(5_000, options.rateWindowMs / 6);
    this.timer = setInterval(() => this.sample(), every);
    this.timer.unref();
    this.sample();
  }

  /** New health thresholds, from a settings change. */
  setThresholds(thresholds: HealthThresholds): void {
    this.options.thresholds = thresholds;
  }

  get engine(): SyncEngine {
    return this.options.engine;
  }

  close(): void {
    clearInterval(this.timer);
    this.unsubscribe();
  }

  /** Rates over the window, sampling the counters now. */
  rates(): Rates {
    this.sample();
    return this.rateWindow.rates();
  }

  async engineStatus(): Promise<EngineStatus> {
    const status = await this.options.engine.status();
    this.offline.observe(status.state);
    return status;
  }

  async localMongod(): Promise<LocalMongodView | null> {
    const health = await this.options.supervisor?.health();
    if (!health) return null;
    return {
      state: health.state,
      ok: health.ok,
      pid: health.pid ?? null,
      port: health.port ?? null,
      uptimeMs: health.uptimeMs ?? null,
      restarts: health.restarts,
      error: health.error ?? null,
      accessControl: health.accessControl,
    };
  }

  async status(): Promise<StatusView> {
    const [status, localMongod] = await Promise.all([this.engineStatus(), this.localMongod()]);
    return toStatusView(status, this.rates(), this.offline.current?.since ?? null, localMongod);
  }

  async health(): Promise<HealthReport> {
    const [status, local, disk] = await Promise.all([
      this.engineStatus(),
      this.localCheck(),
      diskSpace(this.options.dataDir),
    ]);
    const ctx = this.options.engine.context;
    return evaluateHealth(
      {
        instanceId: status.instanceId,
        now: Date.now(),
        state: status.state,
        databases: ctx?.rules.databases.length ?? 0,
        outboxDepth: status.outboxDepth,
        oldestUnsyncedAgeMs: status.oldestUnsyncedAgeMs,
        lastPullLagMs: status.counters.lastPullLagMs ?? null,
        openConflicts: status.openConflicts,
        quarantined: status.quarantined,
        clockSkewMs: status.clockSkewMs,
        centralRoundTripMs: status.centralRoundTripMs,
        offline: this.offline.current,
        failureRate: this.rates().failureRate,
        local,
        disk,
        duplicateInstance: status.duplicateInstance && {
          otherHostname: status.duplicateInstance.otherHostname,
          seenAt: status.duplicateInstance.seenAt.toISOString(),
        },
        loops: status.loops,
        backup: this.options.backup?.(),
      },
      this.options.thresholds,
    );
  }

  /** The local database check: the supervisor's view when it runs mongod, else a ping. */
  private async localCheck(): Promise<HealthInputs['local']> {
    const mongod = await this.localMongod();
    if (mongod) {
      const running = `mongod is running (pid ${mongod.pid}, port ${mongod.port}, ${mongod.restarts} restarts)`;
      if (mongod.ok && !mongod.accessControl)
        return {
          ok: true,
          warning: true,
          message:
            `${running}, without a password: any program on this computer can read and change ` +
            'its data. Set local.auth to true and give the POS software the new connection string.',
        };
      if (mongod.ok) return { ok: true, message: `${running}.` };
      const reason = mongod.error ? `: ${mongod.error.message}` : '';
      return { ok: false, message: `mongod is ${mongod.state}${reason}` };
    }
    const local = this.options.engine.context?.local;
    if (!local) return { ok: false, message: 'The sync engine has not opened the local database.' };
    const started = performance.now();
    try {
      await unlessStalled(local.db('admin').command({ ping: 1 }), 2_000, 'The local ping');
      const ms = Math.round(performance.now() - started);
      return { ok: true, message: `The local database answers (ping ${ms} ms).` };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return { ok: false, message: `The local database does not answer: ${reason}` };
    }
  }

  private sample(): void {
    const counters = this.options.engine.context?.metrics;
    if (!counters) return;
    this.rateWindow.record({
      at: Date.now(),
      pushed: counters.pushed,
      pulled: counters.pulled,
      pushFailures: counters.pushFailures,
      pullFailures: counters.pullFailures,
    });
  }
}

export function toStatusView(
  status: EngineStatus,
  rates: Rates,
  offlineSince: string | null,
  localMongod: LocalMongodView | null,
): StatusView {
  const { counters, duplicateInstance: dup } = status;
  return {
    instanceId: status.instanceId,
    state: status.state,
    outboxDepth: status.outboxDepth,
    oldestUnsyncedAgeMs: status.oldestUnsyncedAgeMs,
    quarantined: status.quarantined,
    openConflicts: status.openConflicts,
    counters: {
      captured: counters.captured,
      pushed: counters.pushed,
      pulled: counters.pulled,
      echoesDropped: counters.echoesDropped,
      conflicts: counters.conflicts,
      quarantined: counters.quarantined,
      pushFailures: counters.pushFailures,
      pullFailures: counters.pullFailures,
      retries: counters.retries,
      centralWrites: counters.centralWrites,
      localApplies: counters.localApplies,
      lastPushAt: counters.lastPushAt?.toISOString() ?? null,
      lastPullAt: counters.lastPullAt?.toISOString() ?? null,
      lastPullLagMs: counters.lastPullLagMs ?? null,
    },
    rates,
    centralRoundTripMs: status.centralRoundTripMs,
    clockSkewMs: status.clockSkewMs,
    lastSyncAt: status.lastSyncAt,
    offlineSince,
    bootstrap: status.bootstrap,
    preparing: status.preparing,
    duplicateInstance: dup && {
      otherHostname: dup.otherHostname,
      otherMachineHash: dup.otherMachineHash,
      seenAt: dup.seenAt.toISOString(),
    },
    localMongod,
  };
}
