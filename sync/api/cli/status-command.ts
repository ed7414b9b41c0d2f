import type { Command } from 'commander';
import type { HealthReport, StatusView } from '../contract.js';
import {
  connect,
  instanceCommand,
  printJson,
  runCommand,
  type InstanceFlags,
} from './command-kit.js';
import type { CliContext } from './context.js';
import { ExitCode } from './exit-codes.js';
import {
  formatAge,
  formatCount,
  formatDuration,
  formatSince,
  renderPairs,
  renderTable,
  statusLabel,
} from './format.js';

/** `outpost status`: the engine's state and counters, then every health check. */
export function registerStatus(program: Command, context: CliContext): void {
  instanceCommand(
    program
      .command('status')
      .description('show sync state, queue, conflicts and health; exit 1 when unhealthy'),
  ).action((flags: InstanceFlags) =>
    runCommand(context, flags, async () => {
      const client = await connect(flags, context);
      const [status, health] = await Promise.all([
        client.call('sync:get-status'),
        client.call('sync:get-health'),
      ]);
      if (flags.json) printJson(context, { status, health });
      else for (const line of renderStatus(status, health)) context.out(line);
      return health.status === 'fail' ? ExitCode.Failure : ExitCode.Ok;
    }),
  );
}

export function renderStatus(status: StatusView, health: HealthReport, now = Date.now()): string[] {
  const { counters, rates, state } = status;
  const stateText =
    state.name === 'offline' || state.name === 'local-only'
      ? `${state.name} since ${state.since}: ${state.reason}`
      : state.name === 'error'
        ? `error since ${state.since}: ${state.error.message}`
        : `${state.name} since ${formatSince(state.since, now)}`;
  const mongod = status.localMongod;
  const pairs: [string, string][] = [
    ['instance', status.instanceId],
    ['state', stateText],
    [
      'outbox',
      `${status.outboxDepth} waiting` +
        (status.oldestUnsyncedAgeMs === null
          ? ''
          : ` (oldest ${formatAge(status.oldestUnsyncedAgeMs)})`),
    ],
    [
      'pushed / pulled',
      `${counters.pushed} / ${counters.pulled} (${rates.pushedPerSecond}/s, ${rates.pulledPerSecond}/s)`,
    ],
    [
      'failures',
      `push ${counters.pushFailures}, pull ${counters.pullFailures}, retries ${counters.retries}` +
        (rates.failureRate === null
          ? ''
          : ` (recent failure rate ${Math.round(rates.failureRate * 1000) / 10}%)`),
    ],
    ['conflicts', `${status.openConflicts} open, ${counters.conflicts} since start`],
    ['quarantined', formatCount(status.quarantined)],
    ['last sync', formatSince(status.lastSyncAt, now)],
    [
      'central',
      status.offlineSince
        ? `unreachable since ${status.offlineSince}`
        : `round trip ${status.centralRoundTripMs ?? '-'} ms, clock skew ${status.clockSkewMs ?? '-'} ms`,
    ],
  ];
  if (status.counters.lastPullLagMs !== null)
    pairs.push(['propagation lag', formatDuration(status.counters.lastPullLagMs)]);
  if (mongod) {
    pairs.push([
      'local mongod',
      mongod.ok
        ? `running (pid ${mongod.pid}, port ${mongod.port}, up ${formatAge(mongod.uptimeMs)}, ${mongod.restarts} restarts${mongod.accessControl ? '' : ', no password'})`
        : `${mongod.state}${mongod.error ? `: ${mongod.error.message}` : ''}`,
    ]);
  }
  for (const p of status.preparing) {
    const waited = formatAge(now - Date.parse(p.since));
    const step = p.step.replaceAll('-', ' ');
    pairs.push([
      `waiting ${p.db}`,
      `${step} (for ${waited}); nothing is sent or received for it until then`,
    ]);
  }
  for (const db of status.bootstrap)
    if (db.done < db.total) pairs.push([`bootstrap ${db.db}`, `${db.done} / ${db.total}`]);
  return [
    ...renderPairs(pairs),
    '',
    `health: ${statusLabel(health.status)}`,
    ...renderTable(
      [
        { header: 'CHECK', value: (c) => c.name },
        { header: 'STATUS', value: (c) => statusLabel(c.status) },
        { header: 'DETAIL', value: (c) => c.message },
      ],
      health.checks,
    ),
  ];
}
