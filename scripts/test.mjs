// `npm test`: set-up, then type-check, lint, format check, unit, integration and end-to-end tests.
// Exits non-zero if any part fails or if no test ran; ends with one "N passed, N failed" line.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import {
  BROWSER,
  WINE,
  ensureNodeModules,
  ensureSystemPackages,
  needsWine,
  onInterrupt,
  run,
} from './lib.mjs';

const TSX = 'node_modules/.bin/tsx';
const cleanup = () => run(TSX, ['test/harness/cleanup.ts']);
// On Ctrl-C: kill the running step, then every mongod the harness recorded.
onInterrupt(() => spawnSync(TSX, ['test/harness/cleanup.ts'], { stdio: 'inherit' }));

const failures = [];
async function step(name, command, args) {
  const started = Date.now();
  console.error(`\n[test] ${name}`);
  const code = await run(command, args);
  console.error(
    `[test] ${name}: ${code === 0 ? 'ok' : `FAILED (exit ${code})`} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  if (code !== 0) failures.push(name);
  return code;
}

if ((await ensureNodeModules()) !== 0) process.exit(1);
const systemOk = ensureSystemPackages(
  needsWine() ? [...WINE, ...BROWSER] : BROWSER,
  'real mongod and browser tests',
);
if (!systemOk) process.exit(1);
if ((await step('provision mongod', TSX, ['test/harness/provision.ts'])) !== 0) process.exit(1);

await step('type-check', 'npm', ['run', '--silent', 'typecheck']);
await step('lint', 'node_modules/.bin/eslint', ['.', '--max-warnings=0']);
await step('format', 'node_modules/.bin/prettier', ['--check', '.', '--log-level=warn']);

// Not under test-results/: Playwright empties that folder when it starts.
rmSync('.cache/reports/vitest.json', { force: true });
mkdirSync('.cache/reports', { recursive: true });
mkdirSync('test-results', { recursive: true });
await step('unit and integration tests', 'node_modules/.bin/vitest', [
  'run',
  '--reporter=default',
  '--reporter=json',
  '--outputFile.json=.cache/reports/vitest.json',
]);
await cleanup();

// The UI in Chromium against real instances (the global setup builds the UI first); the same
// specs' Electron project reports itself skipped when this machine has no Electron binary.
rmSync('test-results/e2e.json', { force: true });
await step('end-to-end tests (Playwright)', 'node_modules/.bin/playwright', ['test']);
await cleanup();

const counts = { passed: 0, failed: 0, skipped: 0 };
function addVitest(file) {
  if (!existsSync(file)) return;
  const report = JSON.parse(readFileSync(file, 'utf8'));
  counts.passed += report.numPassedTests ?? 0;
  counts.failed += report.numFailedTests ?? 0;
  counts.skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
}
addVitest('.cache/reports/vitest.json');
if (existsSync('test-results/e2e.json')) {
  const stats = JSON.parse(readFileSync('test-results/e2e.json', 'utf8')).stats ?? {};
  counts.passed += stats.expected ?? 0;
  counts.failed += (stats.unexpected ?? 0) + (stats.flaky ?? 0);
  counts.skipped += stats.skipped ?? 0;
}

const total = counts.passed + counts.failed;
if (total === 0) failures.push('no test ran');
if (failures.length > 0) console.error(`\n[test] FAILED: ${failures.join(', ')}`);
console.log(`\ntests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
process.exit(failures.length > 0 ? 1 : 0);
