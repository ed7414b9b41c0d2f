// Shared by scripts/test.mjs and scripts/demo.mjs: run steps, install system packages.
import { spawn, spawnSync } from 'node:child_process';

export const ENV = { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' };

export function have(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

let current;
/** Runs a command with inherited output; resolves to its exit code. */
export function run(command, args, options = {}) {
  return new Promise((resolve) => {
    current = spawn(command, args, { stdio: 'inherit', env: ENV, detached: true, ...options });
    current.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    current.on('error', () => resolve(127));
  });
}

export function onInterrupt(cleanup) {
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      try {
        if (current?.pid) process.kill(-current.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      cleanup();
      process.exit(130);
    });
  }
}

/**
 * Makes sure Debian packages are present: installs them when running as root with apt-get,
 * otherwise prints the exact command and returns false.
 */
export function ensureSystemPackages(packages, why) {
  const missing = packages.filter((p) => !p.present());
  if (missing.length === 0) return true;
  const names = missing.map((p) => p.name).join(' ');
  const command = `apt-get update && apt-get install -y --no-install-recommends ${names}`;
  if (process.getuid?.() === 0 && have('apt-get')) {
    console.error(`[setup] installing ${names} (${why})`);
    const result = spawnSync('sh', ['-c', command], {
      stdio: 'inherit',
      env: { ...ENV, DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (result.status === 0 && missing.every((p) => p.present())) return true;
  }
  console.error(`[setup] missing system packages for ${why}. Run as root:\n  ${command}`);
  return false;
}

export const WINE = [
  { name: 'wine', present: () => have('wine') },
  { name: 'wine64', present: () => have('wine64') || have('/usr/lib/wine/wine64') },
];
export const BROWSER = [
  { name: 'chromium', present: () => have('chromium') },
  { name: 'xvfb', present: () => have('Xvfb') },
  { name: 'xauth', present: () => have('xauth') },
];

export function needsWine() {
  return !process.env.OUTPOST_TEST_MONGOD && !have('mongod');
}

/** npm install when node_modules is missing or older than the lockfile. */
export async function ensureNodeModules() {
  const { existsSync, statSync } = await import('node:fs');
  const stale =
    !existsSync('node_modules/.package-lock.json') ||
    statSync('package-lock.json').mtimeMs > statSync('node_modules/.package-lock.json').mtimeMs;
  if (!stale) return 0;
  console.error('[setup] installing npm dependencies (npm ci)');
  return run('npm', ['ci', '--no-audit', '--no-fund']);
}
