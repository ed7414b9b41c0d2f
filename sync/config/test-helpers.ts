import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect } from 'vitest';
import { OutpostError, type ErrorCode } from '../errors.js';

/** A fresh temporary directory per test, removed afterwards. */
export function useTempDir(prefix = 'outpost-config-'): () => Promise<string> {
  const made: string[] = [];
  afterEach(async () => {
    await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });
  return async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
    made.push(dir);
    return dir;
  };
}

/** Awaits `promise`, expecting it to reject with an OutpostError of `code`, and returns it. */
export async function expectOutpostError(promise: Promise<unknown>, code: ErrorCode) {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(OutpostError);
  const outpostError = error as OutpostError;
  expect(outpostError.code).toBe(code);
  return outpostError;
}

/** Writes `content` (a string as is, anything else as JSON) to `<dir>/outpost.json`. */
export async function writeConfigFile(dir: string, content: unknown): Promise<string> {
  const file = path.join(dir, 'outpost.json');
  await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return file;
}
