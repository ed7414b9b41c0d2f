// `npm start`: the desktop app. Builds nothing; checks what it needs and says plainly what is
// missing. The Electron runtime is a separate download (from GitHub) that the development machines
// cannot make (see ENVIRONMENT.md), and the desktop shell (electron/main.ts) is a later issue, so
// today this ends with an explanation and exit code 1.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(ROOT, 'package.json'));
const HEADLESS =
  'Without it, run the same engine headless: `npx outpost serve` (the HTTP API and the CLI; the ' +
  'browser UI it will serve is planned).';

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

// package.json "main": the compiled shell. Nothing compiles electron/main.ts yet.
const shell = path.join(ROOT, 'electron', 'main.ts');
const main = path.join(ROOT, 'dist', 'electron', 'main.js');
if (!existsSync(main)) {
  const why = existsSync(shell)
    ? `${path.relative(ROOT, shell)} is not compiled to ${path.relative(ROOT, main)}`
    : `${path.relative(ROOT, shell)} does not exist yet`;
  console.error(
    `[start] Electron is available (${binary.path}), but the desktop shell is not built: ${why} ` +
      '(the desktop shell is a later issue).',
  );
  console.error(`[start] ${HEADLESS}`);
  process.exit(1);
}

const child = spawn(binary.path, [ROOT], { stdio: 'inherit' });
child.on('error', (error) => {
  console.error(`[start] could not start Electron (${binary.path}): ${error.message}`);
  process.exit(1);
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

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
