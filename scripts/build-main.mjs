// `npm run build:main`: the Electron main process and the engine, compiled to dist/ (ESM, by tsc
// with tsconfig.build.json), the preload bundled to dist/electron/preload.cjs (vite), and
// dist/package.json, which keeps dist/ ESM and gives the version to sync/api/version.ts (it reads
// the package.json two levels above dist/sync/api/).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { run } from './lib.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST = path.join(ROOT, 'dist');
const require = createRequire(path.join(ROOT, 'package.json'));
// The tools' own scripts run with this node: no .cmd shims, so it builds on Windows as well.
const TSC = require.resolve('typescript/bin/tsc');

async function step(label, command, args) {
  console.error(`[build:main] ${label}`);
  const code = await run(command, args, { cwd: ROOT });
  if (code !== 0) {
    console.error(`[build:main] ${label} failed (exit ${code})`);
    process.exit(code || 1);
  }
}

rmSync(DIST, { recursive: true, force: true });
await step('tsc -p tsconfig.build.json', process.execPath, [TSC, '-p', 'tsconfig.build.json']);
console.error('[build:main] preload bundle (vite)');
await build({ configFile: path.join(ROOT, 'electron', 'preload.vite.config.ts') });
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
mkdirSync(DIST, { recursive: true });
writeFileSync(
  path.join(DIST, 'package.json'),
  `${JSON.stringify({ name: `${pkg.name}-dist`, version: pkg.version, private: true, type: 'module' }, null, 2)}\n`,
);
console.error('[build:main] dist/electron/main.js, dist/electron/preload.cjs, dist/sync/');
