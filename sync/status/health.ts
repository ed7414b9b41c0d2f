/**
 * Health checks as a pure function of fabricated-or-gathered inputs (gather-health.ts collects
 * them from the engine, the supervisor and the file system). No Node or driver imports here: the
 * bridge contract re-exports these types to the renderer.
 */
import type { EngineState } from './engine-state.js';
import { capitalize, formatBytes, formatDuration, percent, plural } from './format.js';

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
] as const;
export type HealthCheckName = (typeof HEALTH_CHECKS)[number];

export interface HealthCheck {
  name: HealthCheckName;
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
  local: { ok: boolean; message: string };
  disk: { path: string; freeBytes: number; totalBytes: number } | { path: string; error: string };
  duplicateInstance: { otherHostname: string; seenAt: string } | null;
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
  const checks: HealthCheck[] = [
    syncEnabled(inputs),
    {
      name: 'local-database',
      status: inputs.local.ok ? 'pass' : 'fail',
      message: inputs.local.message,
    },
    centralDatabase(inputs, thresholds),
    worker(inputs),
    queueSize(inputs, thresholds),
    syncLag(inputs, thresholds),
    failureRate(inputs, thresholds),
    conflicts(inputs, thresholds),
    quarantine(inputs),
    clockSkew(inputs, thresholds),
    diskSpace(inputs, thresholds),
    instanceId(inputs),
  ];
  return {
    status: worstStatus(checks.map((check) => check.status)),
    instanceId: inputs.instanceId,
    checkedAt: new Date(inputs.now).toISOString(),
    checks,
  };
}

function syncEnabled({ state, databases }: HealthInputs): HealthCheck {
  const name = 'sync-enabled';
  if (state.name === 'stopped') {
    return { name, status: 'fail', message: 'The sync engine is stopped.' };
  }
  if (state.name === 'paused') {
    return {
      name,
      status: 'warn',
      message: `Sync is paused since ${state.since}; run "outpost resume" to continue.`,
    };
  }
  if (databases === 0) {
    return {
      name,
      status: 'warn',
      message: 'No databases are configured to sync: add them under "databases" in the config.',
    };
  }
  return { name, status: 'pass', message: `Syncing ${plural(databases, 'database')}.` };
}

function centralDatabase(inputs: HealthInputs, t: HealthThresholds): HealthCheck {
  const name = 'central-database';
  const { state, offline } = inputs;
  if (offline) {
    const downMs = Math.max(0, inputs.now - Date.parse(offline.since));
    const failing = downMs > t.centralDownFailMs;
    return {
      name,
      status: failing ? 'fail' : 'warn',
      message:
        `Central has been unreachable for ${formatDuration(downMs)} (since ${offline.since}): ` +
        `${offline.reason}. Local work continues and is queued; check the network and central.uri.`,
      value: downMs,
      threshold: t.centralDownFailMs,
    };
  }
  if (state.name === 'syncing' || state.name === 'idle') {
    const rtt = inputs.centralRoundTripMs;
    return {
      name,
      status: 'pass',
      message:
        rtt === null ? 'Central is reachable.' : `Central is reachable (round trip ${rtt} ms).`,
      value: rtt,
    };
  }
  if (state.name === 'paused')
    return { name, status: 'warn', message: 'Central is not contacted while sync is paused.' };
  return {
    name,
    status: 'warn',
    message: `Central has not been reached yet (engine ${state.name}).`,
  };
}

function worker({ state }: HealthInputs): HealthCheck {
  const name = 'worker';
  if (state.name === 'error') {
    return {
      name,
      status: 'fail',
      message: `The sync engine failed: ${state.error.message} (${state.error.code}).`,
    };
  }
  if (state.name === 'stopped')
    return { name, status: 'fail', message: 'The sync loops are not running.' };
  if (state.name === 'starting' || state.name === 'local-ready')
    return { name, status: 'warn', message: `The sync engine is starting (${state.name}).` };
  return { name, status: 'pass', message: `The sync loops are running (${state.name}).` };
}

function queueSize({ outboxDepth }: HealthInputs, t: HealthThresholds): HealthCheck {
  const over = outboxDepth > t.queueWarn;
  return {
    name: 'queue-size',
    status: over ? 'warn' : 'pass',
    message: over
      ? `${plural(outboxDepth, 'local change')} waiting to be pushed (more than ${t.queueWarn}).`
      : `${plural(outboxDepth, 'local change')} waiting to be pushed.`,
    value: outboxDepth,
    threshold: t.queueWarn,
  };
}

function syncLag(inputs: HealthInputs, t: HealthThresholds): HealthCheck {
  const oldest = inputs.oldestUnsyncedAgeMs ?? 0;
  const pullLag = inputs.lastPullLagMs ?? 0;
  const lag = Math.max(oldest, pullLag);
  const parts = [
    inputs.oldestUnsyncedAgeMs === null
      ? 'nothing waiting to be pushed'
      : `oldest unsynced change ${formatDuration(oldest)} old`,
    inputs.lastPullLagMs === null
      ? 'no change pulled yet'
      : `last pulled change arrived ${formatDuration(pullLag)} after it was written`,
  ];
  return {
    name: 'sync-lag',
    status: lag > t.syncLagWarnMs ? 'warn' : 'pass',
    message: `${capitalize(parts.join('; '))}.`,
    value: lag,
    threshold: t.syncLagWarnMs,
  };
}

function failureRate({ failureRate: rate }: HealthInputs, t: HealthThresholds): HealthCheck {
  if (rate === null) {
    return {
      name: 'failure-rate',
      status: 'pass',
      message: 'No push or pull attempts recently.',
      value: null,
      threshold: t.failureRateWarn,
    };
  }
  const over = rate > t.failureRateWarn;
  return {
    name: 'failure-rate',
    status: over ? 'warn' : 'pass',
    message: `${percent(rate)} of recent push and pull attempts failed${over ? ` (more than ${percent(t.failureRateWarn)})` : ''}.`,
    value: rate,
    threshold: t.failureRateWarn,
  };
}

function conflicts({ openConflicts }: HealthInputs, t: HealthThresholds): HealthCheck {
  const over = openConflicts > t.openConflictsWarn;
  return {
    name: 'conflicts',
    status: over ? 'warn' : 'pass',
    message: over
      ? `${plural(openConflicts, 'open conflict')} waiting for a decision: run "outpost conflicts".`
      : `${plural(openConflicts, 'open conflict')}.`,
    value: openConflicts,
    threshold: t.openConflictsWarn,
  };
}

function quarantine({ quarantined }: HealthInputs): HealthCheck {
  return {
    name: 'quarantine',
    status: quarantined > 0 ? 'warn' : 'pass',
    message:
      quarantined > 0
        ? `${plural(quarantined, 'document')} quarantined (rejected by central or too large); see the sync log.`
        : 'No documents quarantined.',
    value: quarantined,
    threshold: 0,
  };
}

function clockSkew({ clockSkewMs }: HealthInputs, t: HealthThresholds): HealthCheck {
  const name = 'clock-skew';
  if (clockSkewMs === null)
    return {
      name,
      status: 'pass',
      message: 'Not measured yet (central not reached).',
      value: null,
    };
  const skew = Math.abs(clockSkewMs);
  const status = skew > t.clockSkewFailMs ? 'fail' : skew > t.clockSkewWarnMs ? 'warn' : 'pass';
  const direction = clockSkewMs >= 0 ? 'ahead of' : 'behind';
  return {
    name,
    status,
    message:
      `This machine's clock is ${formatDuration(skew)} ${direction} central's` +
      (status === 'pass' ? '.' : ': fix the time synchronisation (NTP) of this machine.'),
    value: clockSkewMs,
    threshold: status === 'fail' ? t.clockSkewFailMs : t.clockSkewWarnMs,
  };
}

function diskSpace({ disk }: HealthInputs, t: HealthThresholds): HealthCheck {
  const name = 'disk-space';
  if ('error' in disk)
    return { name, status: 'warn', message: `Free space of ${disk.path} unknown: ${disk.error}.` };
  const status =
    disk.freeBytes < t.diskFailBytes ? 'fail' : disk.freeBytes < t.diskWarnBytes ? 'warn' : 'pass';
  return {
    name,
    status,
    message:
      `${formatBytes(disk.freeBytes)} free of ${formatBytes(disk.totalBytes)} on ${disk.path}` +
      (status === 'pass' ? '.' : ': free some space, mongod stops writing when the disk is full.'),
    value: disk.freeBytes,
    threshold: status === 'fail' ? t.diskFailBytes : t.diskWarnBytes,
  };
}

function instanceId({ duplicateInstance, instanceId: id }: HealthInputs): HealthCheck {
  if (!duplicateInstance)
    return { name: 'instance-id', status: 'pass', message: `Instance ID ${id} is unique.` };
  return {
    name: 'instance-id',
    status: 'fail',
    message:
      `Another live site (${duplicateInstance.otherHostname}) uses instance ID ${id} ` +
      `(seen ${duplicateInstance.seenAt}); a cloned disk or shared data directory. ` +
      'Give one of them a new identity before both write.',
  };
}
