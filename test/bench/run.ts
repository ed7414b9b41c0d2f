/**
 * `npm run bench`: each scenario measures its own ceiling in the same run (raw driver writes of
 * the same documents into the same mongod) and reports Outpost as a ratio of it. Sizes are flags;
 * defaults fit a 2-core machine (`--full` runs the 1M-document scenarios of the targets).
 * Writes bench-results/bench.json and bench-results/bench.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { providedMongod } from '../harness/provision.js';
import { startBenchMongods } from './harness.js';
import * as scenarios from './scenarios.js';
import type { ScenarioResult } from './scenarios.js';

const { values } = parseArgs({
  options: {
    full: { type: 'boolean', default: false },
    push: { type: 'string' },
    pull: { type: 'string' },
    bootstrap: { type: 'string' },
    backlog: { type: 'string' },
    rate: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '10' },
    writes: { type: 'string', default: '2000' },
    only: { type: 'string' },
    fleet: { type: 'string' },
    'fleet-seconds': { type: 'string', default: '20' },
    'fleet-per-process': { type: 'string', default: '10' },
    'fleet-rate': { type: 'string', default: '2' },
    'fleet-mongods': { type: 'string', default: '2' },
  },
});
// Every number a flag gives must be positive (a fleet rate may be a fraction): 0 or a typo would
// make a scenario loop for ever or divide by zero.
for (const [flag, value] of Object.entries(values)) {
  if (typeof value !== 'string' || flag === 'only') continue;
  const n = Number(value);
  if (!(n > 0) || (flag !== 'fleet-rate' && !Number.isInteger(n))) {
    process.stderr.write(
      `--${flag} must be a positive ${flag === 'fleet-rate' ? 'number' : 'whole number'} (got "${value}")\n`,
    );
    process.exit(2);
  }
}
const big = values.full ? 1_000_000 : 100_000;
const size = (value: string | undefined, fallback: number) => (value ? Number(value) : fallback);
const only = values.only?.split(',');
const want = (name: string) => !only || only.includes(name);

const provided = await providedMongod();
const mongods = await startBenchMongods();
const results: ScenarioResult[] = [];
const run = async (name: string, scenario: () => Promise<ScenarioResult>) => {
  if (!want(name)) return;
  process.stderr.write(`[bench] ${name}...\n`);
  const result = await scenario();
  results.push(result);
  process.stderr.write(
    `[bench] ${name}: ${JSON.stringify({ outpost: result.outpost, ceiling: result.ceiling, ratio: result.ratio })}\n`,
  );
};
try {
  await run('push', () => scenarios.pushThroughput(mongods, size(values.push, 20_000)));
  await run('pull', () => scenarios.pullThroughput(mongods, size(values.pull, 20_000)));
  await run('latency', () =>
    scenarios.propagationLatency(mongods, Number(values.rate), Number(values.seconds)),
  );
  await run('overhead', () =>
    scenarios.localWriteOverhead(mongods, Number(values.writes), Number(values.rate)),
  );
  await run('overhead-burst', () =>
    scenarios.localWriteOverhead(mongods, Number(values.writes), 0),
  );
  await run('bootstrap', () => scenarios.bootstrap(mongods, size(values.bootstrap, big)));
  await run('backlog', () => scenarios.backlogDrain(mongods, size(values.backlog, big)));
  await run('fleet', () =>
    scenarios.fleet(
      mongods,
      size(values.fleet, 50),
      Number(values['fleet-seconds']),
      Number(values['fleet-rate']),
      Number(values['fleet-per-process']),
      Number(values['fleet-mongods']),
    ),
  );
} finally {
  await mongods.stop();
}

const machine = {
  os: `${os.type()} ${os.release()} ${os.arch()}`,
  cpus: `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'unknown'}`,
  memoryGb: Math.round(os.totalmem() / 1024 ** 3),
  node: process.version,
  mongod: `${provided.version} (${provided.kind === 'wine' ? 'Windows build under Wine' : 'native'})`,
};
mkdirSync('bench-results', { recursive: true });
writeFileSync(
  'bench-results/bench.json',
  JSON.stringify({ at: new Date().toISOString(), machine, results }, null, 2),
);
const fmt = (r: Record<string, number>) =>
  Object.entries(r)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
const lines = [
  `# Outpost benchmark`,
  '',
  `Machine: ${machine.os}, ${machine.cpus}, ${machine.memoryGb} GiB, Node ${machine.node}; mongod ${machine.mongod}.`,
  '',
  '| scenario | size | Outpost | ceiling | ratio | target | met | peak RSS MB | notes |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ...results.map(
    (r) =>
      `| ${r.name} | ${r.size} | ${fmt(r.outpost)} | ${fmt(r.ceiling)} | ${r.ratio === null ? '-' : r.ratio.toFixed(2)} | ${r.target} | ${r.met === null ? 'n/a at this size' : r.met ? 'yes' : 'NO'} | ${r.peakRssMb} | ${r.notes ?? ''} |`,
  ),
];
writeFileSync('bench-results/bench.md', `${lines.join('\n')}\n`);
process.stdout.write(`${lines.join('\n')}\n`);
