/** The individual health checks: pure functions of the inputs and thresholds (see health.ts). */
import type { LoopLiveness } from './engine-state.js';
import type { BackupHealth, CheckResult, HealthInputs, HealthThresholds } from './health.js';
import { capitalize, formatBytes, formatDuration, percent, plural } from './format.js';
import { isTooOldReason } from '../engine/central-error.js';

export function syncEnabled({ state, databases }: HealthInputs): CheckResult {
  const name = 'sync-enabled';
  if (state.name === 'local-only') return { name, status: 'warn', message: state.reason };
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

export function centralDatabase(inputs: HealthInputs, t: HealthThresholds): CheckResult {
  const name = 'central-database';
  const { state, offline } = inputs;
  if (offline && isTooOldReason(offline.reason)) {
    // Reachable, but unusable until it is upgraded: waiting for the threshold would not help.
    return {
      name,
      status: 'fail',
      message: `${offline.reason}. Nothing is sent or received until then; local work continues and is queued.`,
    };
  }
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
  if (state.name === 'local-only')
    return { name, status: 'warn', message: 'Central is not contacted in local-only mode.' };
  return {
    name,
    status: 'warn',
    message: `Central has not been reached yet (engine ${state.name}).`,
  };
}

export function worker({ state, loops, now }: HealthInputs, t: HealthThresholds): CheckResult {
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
  if (state.name === 'local-only')
    return { name, status: 'pass', message: 'No sync loops run in local-only mode.' };
  const crashing = crashLoop(loops, now, t);
  if (crashing) {
    const reason = crashing.lastError ? `: ${crashing.lastError.message}` : '';
    return {
      name,
      status: 'fail',
      message:
        `The ${crashing.name} loop restarted ${plural(crashing.count, 'time')} in the last ` +
        `${formatDuration(t.loopRestartWindowMs)}${reason}. See the sync log.`,
      value: crashing.count,
      threshold: t.loopRestartsFail,
    };
  }
  if (state.name === 'starting' || state.name === 'local-ready')
    return { name, status: 'warn', message: `The sync engine is starting (${state.name}).` };
  return { name, status: 'pass', message: `The sync loops are running (${state.name}).` };
}

/**
 * The loop with the most restarts in the window, when that is over the threshold. Restarts on a
 * transient error (central or the network unreachable) are left out: retrying through an outage
 * is what the engine is for, and the central-database check grades the outage itself.
 */
function crashLoop(
  loops: HealthInputs['loops'],
  now: number,
  t: HealthThresholds,
): { name: string; count: number; lastError: LoopLiveness['lastError'] } | undefined {
  let worst: { name: string; count: number; lastError: LoopLiveness['lastError'] } | undefined;
  for (const [name, loop] of Object.entries(loops)) {
    const count = loop.recentRestarts.filter(
      (restart) => !restart.retryable && now - Date.parse(restart.at) <= t.loopRestartWindowMs,
    ).length;
    if (count > t.loopRestartsFail && count > (worst?.count ?? 0))
      worst = { name, count, lastError: loop.lastError };
  }
  return worst;
}

export function queueSize({ outboxDepth }: HealthInputs, t: HealthThresholds): CheckResult {
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

export function syncLag(inputs: HealthInputs, t: HealthThresholds): CheckResult {
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

export function failureRate({ failureRate: rate }: HealthInputs, t: HealthThresholds): CheckResult {
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

export function conflicts({ openConflicts }: HealthInputs, t: HealthThresholds): CheckResult {
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

export function quarantine({ quarantined }: HealthInputs): CheckResult {
  return {
    name: 'quarantine',
    status: quarantined > 0 ? 'warn' : 'pass',
    message:
      quarantined > 0
        ? `${plural(quarantined, 'change')} set aside: refused by central or by this site's database, or too large. Fix the cause, then try again (Activity, or outpost quarantine --retry).`
        : 'No changes set aside.',
    value: quarantined,
    threshold: 0,
  };
}

export function clockSkew({ clockSkewMs }: HealthInputs, t: HealthThresholds): CheckResult {
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

export function diskSpace({ disk }: HealthInputs, t: HealthThresholds): CheckResult {
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

export function instanceId({ duplicateInstance, instanceId: id }: HealthInputs): CheckResult {
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

/**
 * Scheduled backups happen: warn when the last one failed, or when none was made for two
 * intervals (a computer switched off at night misses one; two in a row need a look).
 */
export function backupAge(backup: BackupHealth, now: number): CheckResult {
  const name = 'backup';
  const age = backup.lastAt === null ? null : now - Date.parse(backup.lastAt);
  const last = age === null ? 'No backup made yet' : `Last backup ${formatDuration(age)} ago`;
  if (backup.intervalMs === 0)
    return {
      name,
      status: 'pass',
      message: `${last}; scheduled backups are off (backup.intervalMs is 0).`,
    };
  if (backup.lastError)
    return {
      name,
      status: 'warn',
      message:
        `The scheduled backup at ${backup.lastError.at} failed: ${backup.lastError.message} ` +
        `${last}; it is tried again soon.`,
    };
  const overdueAfter = 2 * backup.intervalMs;
  const waited = age ?? now - Date.parse(backup.since);
  if (waited > overdueAfter)
    return {
      name,
      status: 'warn',
      message: `${last}, and one is due every ${formatDuration(backup.intervalMs)}: see the log for why none was made.`,
      value: age,
      threshold: overdueAfter,
    };
  return {
    name,
    status: 'pass',
    message:
      age === null
        ? 'No backup made yet; the first is made soon after start.'
        : `${last}; one is made every ${formatDuration(backup.intervalMs)}.`,
    value: age,
  };
}
