/** `npm run chaos`: the long chaos run (bounded by --runs and --seconds, seeded). */
import { parseArgs } from 'node:util';
import { killEngineProcesses, runChaos } from './chaos.js';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    runs: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '60' },
  },
});
// Interrupted (Ctrl-C, or a time limit), the engine processes go too: nothing else would end them.
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    killEngineProcesses();
    process.exit(130);
  });
const report = await runChaos({
  seed: Number(values.seed),
  runs: Number(values.runs),
  seconds: Number(values.seconds),
  log: (line) => process.stderr.write(`[chaos] ${line}\n`),
});
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
process.stdout.write(
  `runs ${report.runs}, faults ${JSON.stringify(report.faults)}, documents checked ${report.documentsChecked}, losses: ${report.losses}\n`,
);
process.exit(report.losses === 0 && report.converged.every(Boolean) ? 0 : 1);
