import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../logging/logger.js';
import { watchConfigFile } from './watch.js';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function setUp() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'outpost-watch-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'outpost.json');
  await writeFile(file, '{}');
  const calls: number[] = [];
  let release: (() => void) | undefined;
  let hold = false;
  const stop = watchConfigFile({
    file,
    logger: silentLogger(),
    quietMs: 50,
    onChange: async () => {
      calls.push(Date.now());
      if (hold) await new Promise<void>((resolve) => (release = resolve));
    },
  });
  cleanup.push(stop);
  return {
    dir,
    file,
    calls,
    holdNext: () => (hold = true),
    release: () => {
      hold = false;
      release?.();
    },
  };
}

const settle = (ms = 300) => new Promise((resolve) => setTimeout(resolve, ms));

describe('watchConfigFile', () => {
  it('calls once for a burst of writes, and for a file renamed over it', async () => {
    const { dir, file, calls } = await setUp();
    for (let i = 0; i < 5; i += 1) await writeFile(file, JSON.stringify({ i }));
    await settle();
    expect(calls).toHaveLength(1);
    // An editor's (and Outpost's own) save: a new file renamed over the old one.
    await writeFile(path.join(dir, '.outpost.json.tmp'), '{"saved":true}');
    await rename(path.join(dir, '.outpost.json.tmp'), file);
    await settle();
    expect(calls).toHaveLength(2);
  });

  it('ignores the other files of the directory', async () => {
    const { dir, calls } = await setUp();
    await writeFile(path.join(dir, 'outpost.json.bak'), '{}');
    await writeFile(path.join(dir, 'identity.json'), '{}');
    await settle();
    expect(calls).toHaveLength(0);
  });

  it('reads once more for a change made while a reload runs, never two at once', async () => {
    const { file, calls, holdNext, release } = await setUp();
    holdNext();
    await writeFile(file, '{"a":1}');
    await settle();
    expect(calls).toHaveLength(1);
    await writeFile(file, '{"a":2}');
    await writeFile(file, '{"a":3}');
    await settle();
    expect(calls).toHaveLength(1);
    release();
    await settle();
    expect(calls).toHaveLength(2);
  });
});
