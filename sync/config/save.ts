import path from 'node:path';
import { ErrorCode, OutpostError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { readConfigFile, validateConfig } from './load.js';
import { mergePatch, type PlainObject } from './merge.js';
import {
  configFileSchema,
  type ConfigFileInput,
  type ConfigPatch,
  type DeepReadonly,
} from './schema.js';

/**
 * Writes config files. What is written is the input as given (validated first), not the parsed
 * result: settings left to their defaults stay absent, so a later release's defaults apply.
 */

/** Saves in flight per file, so two updates in one process never interleave read and write. */
const pending = new Map<string, Promise<unknown>>();

function serialized<T>(file: string, work: () => Promise<T>): Promise<T> {
  const key = path.resolve(file);
  const previous = pending.get(key) ?? Promise.resolve();
  // Run after the previous save whatever its outcome; its caller handles its own failure.
  const next = previous.then(work, work);
  const settled = next.then(
    () => undefined,
    () => undefined,
  );
  pending.set(key, settled);
  void settled.then(() => {
    if (pending.get(key) === settled) pending.delete(key);
  });
  return next;
}

async function write(file: string, value: unknown) {
  try {
    await writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`, {
      mode: 0o600,
      backup: true,
    });
  } catch (cause) {
    throw new OutpostError(
      ErrorCode.ConfigNotWritable,
      `The config file ${file} could not be written (${(cause as NodeJS.ErrnoException).code ?? String(cause)}); the previous file is unchanged.`,
      { cause, details: { file } },
    );
  }
}

/**
 * Replaces the config file with `config`, after validating it (`dataDir` may be left out, as it
 * can come from the environment or the host). The previous file is kept as `<file>.bak`.
 */
export async function saveConfig(
  file: string,
  config: DeepReadonly<ConfigFileInput>,
): Promise<void> {
  validateConfig(configFileSchema, config, {
    layers: [{ value: config, label: 'the new config' }],
    file,
    what: `The config to save to ${file}`,
  });
  await serialized(file, () => write(file, config));
}

/**
 * Applies a merge patch (objects merge, arrays replace, `null` removes a key) to the config file
 * and returns what was written. A file that exists but does not parse is refused
 * (CONFIG_UNREADABLE) rather than replaced: it may hold the operator's only copy of the settings.
 */
export function updateConfig(
  file: string,
  patch: DeepReadonly<ConfigPatch>,
): Promise<ConfigFileInput> {
  return serialized(file, async () => {
    const current = await readConfigFile(file);
    const merged = mergePatch(current ?? {}, patch) as PlainObject;
    validateConfig(configFileSchema, merged, {
      layers: [
        { value: patch, label: 'the update' },
        { value: current, label: file },
      ],
      file,
      what: `The config in ${file} after this update`,
    });
    await write(file, merged);
    return merged;
  });
}
