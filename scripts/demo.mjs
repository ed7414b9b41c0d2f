// `npm run demo [-- --duration <s>]`: one central and two point-of-sale sites on this machine,
// with simulated traffic. Sets up what it needs first (npm packages; Wine when there is no
// native mongod), then runs scripts/demo/main.ts, which provisions mongod and does the rest.
//
// The demo runs in its own process group, and this launcher forwards Ctrl-C to it: a terminal's
// Ctrl-C signals the whole foreground group, and the demo's mongods must not get it directly,
// or they would shut down before the engines that use them (the demo stops engines first).
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENV, WINE, ensureNodeModules, ensureSystemPackages, needsWine, run } from './lib.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(ROOT);

if ((await ensureNodeModules()) !== 0) process.exit(1);
if (needsWine() && !ensureSystemPackages(WINE, 'the Windows mongod the demo runs under Wine')) {
  process.exit(1);
}

// The dashboard each site serves is the built UI: build it when missing or older than its sources.
if (uiOutdated()) {
  console.log('Building the dashboard UI (vite)...');
  if ((await run('npx', ['vite', 'build', '--logLevel', 'warn'])) !== 0) {
    console.error('[demo] the UI build failed; run `npm run build:ui` to see why.');
    process.exit(1);
  }
}

function uiOutdated() {
  const built = path.join(ROOT, 'dist-renderer', 'index.html');
  if (!existsSync(built)) return true;
  const builtAt = statSync(built).mtimeMs;
  const newest = (dir) =>
    readdirSync(dir, { withFileTypes: true }).reduce((latest, entry) => {
      const full = path.join(dir, entry.name);
      return Math.max(latest, entry.isDirectory() ? newest(full) : statSync(full).mtimeMs);
    }, 0);
  return newest(path.join(ROOT, 'renderer')) > builtAt;
}

const child = spawn(
  process.execPath,
  ['--import', 'tsx', 'scripts/demo/main.ts', ...process.argv.slice(2)],
  { stdio: ['ignore', 'inherit', 'inherit'], env: ENV, detached: true },
);
let interrupts = 0;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    interrupts += 1;
    if (child.exitCode !== null || child.signalCode !== null) return;
    // The demo stops cleanly on the first signal and skips the wait for convergence on the second.
    child.kill(interrupts > 2 ? 'SIGKILL' : signal);
  });
}
child.on('error', (error) => {
  console.error(`[demo] could not start: ${error.message}`);
  process.exit(1);
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 130 : 1)));
