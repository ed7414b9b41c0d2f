/**
 * Health checks as a pure function of fabricated-or-gathered inputs (gather-health.ts collects
 * them from the engine, the supervisor and the file system). No Node or driver imports here: the
 * bridge contract re-exports these types to the renderer.
 */
import type { EngineState, LoopLiveness } from './engine-state.js';
import {
  syncEnabled,
  centralDatabase,
  worker,
  queueSize,
  syncLag,
  failureRate,
  conflicts,
  quarantine,
  clockSkew,
  diskSpace,
  instanceId,
  backupAge,
} from './health-checks.js';
import { CHECK_NAMES } from './check-names.js';

export const HealthStatus = { Pass: 'pass', Warn: 'warn', Fail: 'fail' } as const;
export type HealthStatus = (typeof HealthStatus)[keyof typeof HealthStatus];

export const HEALTH_CHECKS = [
  'sync-enabled',
  'local-database',
  'central-database',
  'worker',
  'queue-size',
  'sync-lag',
  'failure-rate',
  'conflicts',
  'quarantine',
  'clock-skew',
  'disk-space',
  'instance-id',
  'backup',
] as const;
export type HealthCheckName = (typeof HEALTH_CHECKS)[number];

export interface HealthCheck {
  name: HealthCheckName;
  /** The check's name in words, for people ("Changes waiting"). */
  label: string;
  status: HealthStatus;
  /** A sentence for people: what was found and, when not passing, what to do. */
  message: string;
  /** The measured value the status was decided on, when there is one. */
  value?: number | null;
  /** The threshold it was compared with. */
  threshold?: number;
}

export interface HealthReport {
  status: HealthStatus;
  instanceId: string;
  checkedAt: string;
  checks: HealthCheck[];
}

/** What each check works out; evaluateHealth adds the label. */
export type CheckResult = Omit<HealthCheck, 'label'>;

export interface HealthThresholds {
  queueWarn: number;
  /** 0..1 */
  failureRateWarn: number;
  centralDownFailMs: number;
  syncLagWarnMs: number;
  openConflictsWarn: number;
  clockSkewWarnMs: number;
  clockSkewFailMs: number;
  diskWarnBytes: number;
  diskFailBytes: number;
  /** The worker fails when one loop restarted more than this often within the window. */
  loopRestartsFail: number;
  loopRestartWindowMs: number;
}

export const DEFAULT_HEALTH_THRESHOLDS: HealthThresholds = {
  queueWarn: 1_000,
  failureRateWarn: 0.05,
  centralDownFailMs: 300_000,
  syncLagWarnMs: 300_000,
  openConflictsWarn: 0,
  clockSkewWarnMs: 5_000,
  clockSkewFailMs: 120_000,
  diskWarnBytes: 1024 ** 3,
  diskFailBytes: 200 * 1024 ** 2,
  loopRestartsFail: 5,
  loopRestartWindowMs: 60_000,
};

export interface HealthInputs {
  instanceId: string;
  now: number;
  state: EngineState;
  /** Databases the rules sync; none means there is nothing to do. */
  databases: number;
  outboxDepth: number;
  oldestUnsyncedAgeMs: number | null;
  lastPullLagMs: number | null;
  openConflicts: number;
  quarantined: number;
  clockSkewMs: number | null;
  centralRoundTripMs: number | null;
  /** When central was first found unreachable in the current outage (ISO), with the reason. */
  offline: { since: string; reason: string } | null;
  /** Failures / attempts of push and pull in the rate window; null without activity. */
  failureRate: number | null;
  /** `warning`: running, but something the operator should fix (no password). */
  local: { ok: boolean; warning?: boolean; message: string };
  disk: { path: string; freeBytes: number; totalBytes: number } | { path: string; error: string };
  duplicateInstance: { otherHostname: string; seenAt: string } | null;
  /** The engine's supervised loops by name, with their recent restarts. */
  loops: Record<string, LoopLiveness>;
  /** Scheduled backups; absent where the host runs none (tests of the engine alone). */
  backup?: BackupHealth | undefined;
}

export interface BackupHealth {
  /** 0 when scheduled backups are off. */
  intervalMs: number;
  /** The newest backup in the backups directory (ISO), scheduled or not. */
  lastAt: string | null;
  /** The last scheduled backup that failed, if it came after the last success. */
  lastError: { at: string; message: string } | null;
  /** When the schedule began (ISO): a first backup is not overdue before an interval passed. */
  since: string;
}

const RANK: Record<HealthStatus, number> = { pass: 0, warn: 1, fail: 2 };

export function worstStatus(statuses: readonly HealthStatus[]): HealthStatus {
  return statuses.reduce<HealthStatus>((worst, s) => (RANK[s] > RANK[worst] ? s : worst), 'pass');
}

/** Evaluates every check; the report's status is the worst of them. */
export function evaluateHealth(
  inputs: HealthInputs,
  thresholds: HealthThresholds = DEFAULT_HEALTH_THRESHOLDS,
): HealthReport {
  const results: CheckResult[] = [
    syncEnabled(inputs),
    {
      name: 'local-database',
      status: !inputs.local.ok ? 'fail' : inputs.local.warning ? 'warn' : 'pass',
      message: inputs.local.message,
    },
    centralDatabase(inputs, thresholds),
    worker(inputs, thresholds),
    queueSize(inputs, thresholds),
    syncLag(inputs, thresholds),
    failureRate(inputs, thresholds),
    conflicts(inputs, thresholds),
    quarantine(inputs),
    clockSkew(inputs, thresholds),
    diskSpace(inputs, thresholds),
    instanceId(inputs),
    ...(inputs.backup ? [backupAge(inputs.backup, inputs.now)] : []),
  ];
  const checks = results.map((check): HealthCheck => ({
    ...check,
    label: CHECK_NAMES[check.name],
  }));
  return {
    status: worstStatus(checks.map((check) => check.status)),
    instanceId: inputs.instanceId,
    checkedAt: new Date(inputs.now).toISOString(),
    checks,
  };
}
