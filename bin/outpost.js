#!/usr/bin/env node
// Runs the `outpost` CLI from a checkout: the TypeScript sources are loaded through tsx, so
// `npx outpost serve` works without a build.
//
// `serve` runs in a child process in its own process group, and this launcher forwards SIGINT,
// SIGTERM and SIGHUP to it. A Ctrl-C in a terminal signals the whole foreground process group;
// this way `serve` gets each one exactly once (a second signal means "exit at once"). mongod is
// in a group of its own as well (the supervisor spawns it detached), so it never gets the Ctrl-C:
// Outpost stops it cleanly after the engine.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
const ROOT = path.resolve(path.dirname(SELF), '..');
const CHILD = 'OUTPOST_CLI_CHILD';
const args = process.argv.slice(2);

if (args[0] === 'serve' && process.env[CHILD] !== '1' && process.platform !== 'win32') {
  launchDetached();
} else {
  await runInProcess();
}

function launchDetached() {
  const child = spawn(process.execPath, [SELF, ...args], {
    stdio: ['ignore', 'inherit', 'inherit'],
    detached: true,
    env: { ...process.env, [CHILD]: '1' },
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    });
  }
  child.on('error', (error) => {
    console.error(`outpost: could not start: ${error.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 130 : 1)));
}

async function runInProcess() {
  const { register } = await import('tsx/esm/api');
  register();
  const { runCli, processStopSignals } = await import('../sync/api/cli.ts');
  const env = { ...process.env };
  delete env[CHILD];
  const out = (line) => process.stdout.write(`${line}\n`);
  const err = (line) => process.stderr.write(`${line}\n`);
  const code = await runCli(process.argv, {
    env,
    out,
    err,
    onStopSignal: processStopSignals(err),
    devMongodBinary: devMongod(),
  });
  process.exitCode = code;
}

/** The mongod that `npm test` or `npm run demo` provisioned in this checkout, if any. */
function devMongod() {
  const descriptor = path.join(ROOT, '.cache', 'mongod', 'binary.json');
  if (!existsSync(descriptor)) return undefined;
  try {
    const provided = JSON.parse(readFileSync(descriptor, 'utf8'));
    return typeof provided.path === 'string' && existsSync(provided.path)
      ? provided.path
      : undefined;
  } catch {
    return undefined;
  }
}
