import { InvalidArgumentError, type Command } from 'commander';
import { backupsDir } from '../../backup/service.js';
import { redactUri } from '../../logging/redact.js';
import { formatDuration } from '../../status/format.js';
import type { EngineState } from '../../status/engine-state.js';
import { startOutpost, type OutpostInstance } from '../serve.js';
import { outpostVersion } from '../version.js';
import type { CliContext } from './context.js';
import { configFileFor, loadServeConfig, type ServeFlags } from './serve-options.js';

/** `outpost serve`: runs the site's mongod and the sync engine in the foreground until stopped. */
export function registerServe(program: Command, context: CliContext): void {
  program
    .command('serve')
    .description(
      "run this site's MongoDB and sync it with central, in the foreground, until Ctrl-C",
    )
    .option('-c, --config <file>', 'JSON config file (default: <data dir>/outpost.json)')
    .option('-d, --data-dir <dir>', 'data directory (mongod data, identity, logs)')
    .option('--central <uri>', "central's connection string (mongodb:// or mongodb+srv://)")
    .option('-p, --port <n>', 'port of the local mongod on 127.0.0.1', parsePort)
    .option('--db <name...>', 'databases to sync (keeps the rules the config gives them)')
    .option('--site-id <id>', 'value matched by the scope rules of collections')
    .option('--mongod <path>', 'mongod binary to run (default: resources/, then PATH)')
    .option('--log-level <level>', 'trace, debug, info, warn or error')
    .action(async (flags: ServeFlags) => {
      await serve(flags, context);
    });
}

function parsePort(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a port number.');
  return Number(value);
}

async function serve(flags: ServeFlags, context: CliContext): Promise<void> {
  // Listen before starting: a Ctrl-C while mongod starts still stops everything cleanly.
  let stopSignal: string | undefined;
  let wake: (() => void) | undefined;
  const unsubscribeSignal = context.onStopSignal((signal) => {
    stopSignal = signal;
    wake?.();
  });
  try {
    const config = await loadServeConfig(flags, context.env);
    context.err(`Starting Outpost ${outpostVersion()} (data in ${config.dataDir})...`);
    const instance = await startOutpost({
      config,
      configFile: configFileFor(flags, context.env),
      // A settings change is read back as this start read it: flags stay on top.
      reloadConfig: () => loadServeConfig(flags, context.env),
      env: context.env,
      ...(context.devMongodBinary ? { mongodBinary: context.devMongodBinary } : {}),
    });
    printBanner(instance, describeState((await instance.engine.status()).state), context);
    const unsubscribeState = instance.engine.onStateChange((next) =>
      context.out(`${clock()} state: ${describeState(next)}`),
    );
    if (stopSignal === undefined) await new Promise<void>((resolve) => (wake = resolve));
    context.out(`${clock()} ${stopSignal}: stopping the sync engine, then mongod...`);
    unsubscribeState();
    await instance.stop();
    context.out(`${clock()} stopped.`);
  } finally {
    unsubscribeSignal();
  }
}

function printBanner(instance: OutpostInstance, state: string, context: CliContext): void {
  const { config, layout } = instance;
  const rows: [string, string][] = [
    ['instance ID', instance.instanceId],
    ['local MongoDB', `${instance.localUri}  <- connection string for the POS software`],
    [
      'central',
      config.central.uri ? redactUri(config.central.uri) : 'not configured (central.uri)',
    ],
    ['databases', describeDatabases(instance)],
    ['state', state],
    ['API', `${instance.api.url}  <- "outpost status" and the other commands use it`],
    ['API token', `${instance.api.tokenFile}  (send as "Authorization: Bearer <token>")`],
    [
      'app',
      instance.api.ui
        ? `${instance.api.loginUrl()}  <- open in a browser on this machine (link works once, 10 min)`
        : 'not built (run "npm run build:ui" to serve the app in a browser)',
    ],
    ['mongod', `${instance.mongodBinary.path} (${instance.mongodBinary.source})`],
    ['data dir', layout.dataDir],
    ['logs', `${layout.logDir} (outpost.<n>.log, rotated; mongod.log)`],
    ['backups', describeBackups(instance)],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  context.out(`Outpost ${outpostVersion()} is serving.`);
  for (const [label, value] of rows) context.out(`  ${label.padEnd(width)}  ${value}`);
  context.out('Press Ctrl-C to stop (the sync engine first, then mongod, cleanly).');
}

function describeBackups(instance: OutpostInstance): string {
  const { intervalMs, keep } = instance.config.backup;
  const dir = backupsDir(instance.layout.dataDir);
  if (intervalMs === 0) return `${dir} (none scheduled: backup.intervalMs is 0)`;
  return `${dir} (every ${formatDuration(intervalMs)}, the newest ${keep} kept)`;
}

function describeDatabases(instance: OutpostInstance): string {
  const { databases, exclude } = instance.config;
  if (databases.length === 0) return 'none';
  const list = databases
    .map((db) => {
      const rules = Object.entries(db.collections).map(
        ([name, rule]) => `${name}:${rule.direction}`,
      );
      return rules.length > 0 ? `${db.name} (${rules.join(', ')}; others both)` : db.name;
    })
    .join('; ');
  return exclude.length > 0 ? `${list}; never: ${exclude.join(', ')}` : list;
}

export function describeState(state: EngineState): string {
  if (state.name === 'offline' || state.name === 'local-only')
    return `${state.name} (${state.reason})`;
  if (state.name === 'error') return `error: ${state.error.message} [${state.error.code}]`;
  return state.name;
}

function clock(): string {
  return new Date().toISOString().slice(11, 19);
}
