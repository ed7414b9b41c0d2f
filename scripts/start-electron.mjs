// `npm start`: the desktop app. When the Electron runtime is installed, builds the main process
// (`npm run build:main`: tsc and the preload bundle) and the UI (`npm run build:ui`: vite), then
// runs Electron on dist/electron/main.js (package.json "main"). The runtime is a separate download
// (from GitHub) that the development machines cannot make (see ENVIRONMENT.md); there this says so
// plainly and exits 1.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from './lib.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(ROOT, 'package.json'));
const HEADLESS =
  'Without it, run the same engine headless: `npx outpost serve` (the HTTP API, the CLI and the ' +
  'same UI in a browser).';

const binary = electronBinary();
if (!binary.ok) {
  console.error(`[start] The Electron runtime is not available: ${binary.reason}`);
  console.error(
    '[start] It is a separate download from GitHub, which the development machines cannot make ' +
      '(their installs set ELECTRON_SKIP_BINARY_DOWNLOAD=1). On a machine that can, run ' +
      '`node node_modules/electron/install.js`, or set ELECTRON_OVERRIDE_DIST_PATH to an unpacked ' +
      'Electron.',
  );
  console.error(`[start] ${HEADLESS}`);
  process.exit(1);
}

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
for (const script of ['build:main', 'build:ui']) {
  console.error(`[start] npm run ${script}`);
  const code = await run(npm, ['run', '--silent', script], {
    cwd: ROOT,
    shell: process.platform === 'win32',
    detached: false,
  });
  if (code !== 0) {
    console.error(`[start] npm run ${script} failed (exit ${code}); not starting Electron.`);
    process.exit(code || 1);
  }
}

const main = path.join(ROOT, 'dist', 'electron', 'main.js');
if (!existsSync(main)) {
  console.error(`[start] The build did not produce ${path.relative(ROOT, main)}.`);
  process.exit(1);
}

// Electron loads package.json "main" (dist/electron/main.js). Outpost needs a mongod: from a
// checkout, local.mongodPath / OUTPOST_MONGOD_PATH or a mongod on PATH (sync/mongod/binary.ts).
console.error(`[start] ${binary.path} ${path.relative(ROOT, main)}`);
const child = spawn(binary.path, [ROOT, ...process.argv.slice(2)], { stdio: 'inherit' });
child.on('error', (error) => {
  console.error(`[start] could not start Electron (${binary.path}): ${error.message}`);
  process.exit(1);
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
// Ctrl-C reaches Electron too (same process group); it quits cleanly (electron/main.ts).
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));

/** The Electron executable the `electron` package points at, if it is really there. */
function electronBinary() {
  try {
    require.resolve('electron');
  } catch {
    return { ok: false, reason: 'the electron package is not installed (run `npm ci`).' };
  }
  let executable;
  try {
    // The package's main exports the executable's path; it throws when the download never ran.
    executable = require('electron');
  } catch (error) {
    return { ok: false, reason: `the electron package has no binary (${error.message.trim()}).` };
  }
  if (typeof executable !== 'string' || !existsSync(executable)) {
    return { ok: false, reason: `the electron package names ${executable}, which does not exist.` };
  }
  return { ok: true, path: executable };
}
