/**
 * The demo (run through scripts/demo.mjs): one central, two sites, simulated traffic, a status
 * line per site every few seconds, and a convergence summary at the end.
 *
 *   --duration <s>   stop by itself after this many seconds of traffic (default: until Ctrl-C)
 *   --rate <n>       sales per second at each site (default 3)
 *   --keep-data      continue with the data of the previous run instead of starting fresh
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createCentralWriter } from '../../sync/central/writer.js';
import { createLogger } from '../../sync/logging/logger.js';
import { CACHE_DIR, providedMongod } from '../../test/harness/provision.js';
import {
  COLLECTIONS,
  PidFile,
  pickPort,
  startCentral,
  startSite,
  type Central,
  type Site,
} from './cluster.js';
import { compare, statusLines, summary } from './report.js';
import { CATALOGUE, HeadOffice, SiteTraffic, seedCatalogue } from './traffic.js';

const ROOT = path.join(CACHE_DIR, 'demo');
/**
 * The demo's own Wine prefix (read by the harness's wrapper as OUTPOST_WINEPREFIX): ending it
 * with `wineserver -k` then ends only the demo's Wine processes, never the mongods that tests
 * or another developer run under the harness's prefix at the same time.
 */
const DEMO_WINEPREFIX = path.join(CACHE_DIR, 'wineprefix-demo');
const STATUS_EVERY_MS = 5_000;
const PRICE_CHANGE_EVERY_MS = 4_000;
const DRAIN_TIMEOUT_MS = 90_000;

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string' },
    rate: { type: 'string', default: '3' },
    'keep-data': { type: 'boolean', default: false },
  },
});
const durationMs = args.duration === undefined ? undefined : Number(args.duration) * 1000;
const rate = Number(args.rate);
if ((durationMs !== undefined && !(durationMs > 0)) || !(rate > 0)) {
  console.error(
    'usage: npm run demo -- [--duration <seconds>] [--rate <sales per second>] [--keep-data]',
  );
  process.exit(2);
}

const say = (line: string) => console.log(line);
const warn = (line: string) => console.error(`[demo] ${line}`);

// Signals: the first stops traffic and waits for convergence; the second skips the wait.
let interrupts = 0;
let wakeMain: (() => void) | undefined;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    interrupts += 1;
    say(
      interrupts === 1
        ? `\n${signal}: stopping traffic...`
        : `${signal}: skipping the wait, stopping now.`,
    );
    wakeMain?.();
  });
}
const sleepUnlessInterrupted = (ms: number, atLeast = 1) =>
  new Promise<void>((resolve) => {
    if (interrupts >= atLeast) return resolve();
    const timer = setTimeout(done, ms);
    wakeMain = done;
    function done() {
      clearTimeout(timer);
      resolve();
    }
  });

const pids = new PidFile(path.join(CACHE_DIR, 'demo-pids.json'));
const leftovers = pids.killLeftovers();
if (leftovers > 0) warn(`killed ${leftovers} mongod(s) left by an earlier demo`);
if (!args['keep-data']) await rm(ROOT, { recursive: true, force: true });

const provided = await providedMongod();
say(
  `mongod ${provided.version} (${provided.kind === 'wine' ? 'Windows build under Wine' : 'native'}): ${provided.path}`,
);
const mongodEnv: NodeJS.ProcessEnv =
  provided.kind === 'wine' ? { ...process.env, OUTPOST_WINEPREFIX: DEMO_WINEPREFIX } : process.env;
if (provided.kind === 'wine' && !existsSync(path.join(DEMO_WINEPREFIX, 'system.reg'))) {
  say('Initialising a Wine prefix for the demo (first run only, takes a little while)...');
  spawnSync(provided.path, ['--version'], { env: mongodEnv, stdio: 'ignore', timeout: 180_000 });
}
const logger = createLogger({ file: path.join(ROOT, 'central', 'supervisor.log') });
const onPid = (pid: number) => pids.add(pid);

let central: Central | undefined;
const sites: Site[] = [];
let exitCode = 1;
try {
  say('Starting central and two sites (each site exactly as `outpost serve` runs it)...');
  const [centralPort, portA, portB] = [
    await pickPort(27300),
    await pickPort(27301),
    await pickPort(27302),
  ];
  central = await startCentral(ROOT, provided.path, centralPort, logger, mongodEnv, onPid);
  const centralUri = central.uri;
  const headOfficeWriter = createCentralWriter(central.client, 'head-office');
  await seedCatalogue(headOfficeWriter, central.db);
  const starts = await Promise.allSettled(
    (
      [
        ['site-a', portA],
        ['site-b', portB],
      ] as const
    ).map(([name, port]) =>
      startSite({
        root: ROOT,
        name,
        port,
        centralUri,
        binary: provided.path,
        env: mongodEnv,
        onPid,
      }),
    ),
  );
  // Keep every site that started, so that shutdown stops it even if the other one failed.
  for (const start of starts) if (start.status === 'fulfilled') sites.push(start.value);
  for (const start of starts) if (start.status === 'rejected') throw start.reason;
  await waitForCatalogue(sites);
  printWhereToWatch(central, sites);

  const traffic = new Map(sites.map((site) => [site.name, new SiteTraffic(site, rate, warn)]));
  const headOffice = new HeadOffice(headOfficeWriter, PRICE_CHANGE_EVERY_MS, warn);
  say(
    `Traffic: ${rate} sales/s at each site (sale + stock decrement, in the local MongoDB), ` +
      `a price change at central every ${PRICE_CHANGE_EVERY_MS / 1000} s. ` +
      (durationMs ? `Running for ${durationMs / 1000} s.` : 'Ctrl-C to stop.'),
  );
  for (const loop of [...traffic.values(), headOffice]) loop.start();
  const started = Date.now();
  while (interrupts === 0 && (durationMs === undefined || Date.now() - started < durationMs)) {
    const left = durationMs === undefined ? STATUS_EVERY_MS : durationMs - (Date.now() - started);
    await sleepUnlessInterrupted(Math.min(STATUS_EVERY_MS, Math.max(0, left)));
    for (const line of await statusLines(central, sites, Date.now() - started)) say(line);
  }
  await Promise.all([...traffic.values(), headOffice].map((loop) => loop.stop()));

  say(
    `Traffic stopped. Waiting for every site to converge with central (up to ${DRAIN_TIMEOUT_MS / 1000} s)...`,
  );
  const drainStart = Date.now();
  let comparison = await compare(central.db, sites);
  let printedAt = drainStart;
  while (!comparison.converged && interrupts < 2 && Date.now() - drainStart < DRAIN_TIMEOUT_MS) {
    await sleepUnlessInterrupted(1_000, 2);
    comparison = await compare(central.db, sites);
    if (!comparison.converged && Date.now() - printedAt >= STATUS_EVERY_MS) {
      printedAt = Date.now();
      for (const line of await statusLines(central, sites, Date.now() - started)) say(line);
    }
  }
  if (comparison.converged)
    say(`Converged ${((Date.now() - drainStart) / 1000).toFixed(1)} s after traffic stopped.`);
  const result = await summary({ central: central.db, sites, traffic, headOffice, comparison });
  for (const line of result.lines) say(line);
  exitCode = result.ok ? 0 : 1;
} catch (error) {
  warn(`failed: ${error instanceof Error ? error.message : String(error)}`);
  if (error instanceof Error && error.stack) warn(error.stack);
} finally {
  await shutdown();
}
process.exit(exitCode);

async function waitForCatalogue(all: readonly Site[]): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const counts = await Promise.all(
      all.flatMap((site) =>
        ['products', 'stock'].map((coll) => site.db.collection(coll).countDocuments()),
      ),
    );
    if (counts.every((count) => count >= CATALOGUE.length)) return;
    if (Date.now() > deadline)
      throw new Error('The sites did not receive the catalogue from central within 120 s.');
    if (interrupts > 0) throw new Error('Interrupted before traffic started.');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function printWhereToWatch(c: Central, all: readonly Site[]): void {
  say('');
  say('Where to watch (any MongoDB client: mongosh, Compass, a driver):');
  say(`  central        ${c.uri}`);
  for (const site of all) {
    say(
      `  ${site.name.padEnd(14)} ${site.instance.localUri}   (instance ${site.instance.instanceId})`,
    );
  }
  say(
    `  database pos, collections ${COLLECTIONS.join(', ')}; sync state in each site's "outpost" database`,
  );
  say(
    `  logs: ${path.relative(process.cwd(), ROOT)}/<site>/logs/ and ${path.relative(process.cwd(), ROOT)}/central/`,
  );
  say('HTTP API of each site (GET /api/status, /api/health, /metrics; bearer token in the file):');
  for (const site of all) {
    say(
      `  ${site.name.padEnd(14)} ${site.instance.api.url}   (token: ${site.instance.api.tokenFile})`,
    );
    say(
      `  ${''.padEnd(14)} npx outpost status -d ${path.relative(process.cwd(), site.instance.layout.dataDir)}`,
    );
  }
  say('Dashboard of each site (status, conflicts, activity; each link signs in once, for 10 min):');
  for (const site of all) {
    say(
      site.instance.api.ui
        ? `  ${site.name.padEnd(14)} ${site.instance.api.loginUrl()}`
        : `  ${site.name.padEnd(14)} no UI build found: run \`npm run build:ui\`, then \`npx outpost open\``,
    );
  }
  say(
    `  ${''.padEnd(14)} a new link: npx outpost open -d ${path.relative(process.cwd(), all[0]!.instance.layout.dataDir)}`,
  );
  say('');
}

/** Ends the Wine helpers (wineserver, services.exe...) of the demo's prefix, and only those. */
function endWine(): void {
  spawnSync('wineserver', ['-k'], {
    env: { ...process.env, WINEPREFIX: DEMO_WINEPREFIX },
    stdio: 'ignore',
    timeout: 20_000,
  });
}

async function shutdown(): Promise<void> {
  say("Stopping: engines, then the sites' mongods, then central...");
  const stopped = await Promise.allSettled(
    sites.map(async (site) => {
      await site.pos.close();
      await site.instance.stop();
    }),
  );
  for (const result of stopped)
    if (result.status === 'rejected') warn(`a site did not stop cleanly: ${String(result.reason)}`);
  if (central) {
    await central.client
      .close()
      .catch((error: unknown) => warn(`closing central's client: ${String(error)}`));
    await central.supervisor
      .stop()
      .catch((error: unknown) => warn(`stopping central: ${String(error)}`));
  }
  pids.clear();
  if (provided.kind === 'wine') endWine();
  logger.flush();
  say('Stopped.');
}
