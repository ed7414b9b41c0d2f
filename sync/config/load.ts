import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { ErrorCode, OutpostError } from '../errors.js';
import { configInvalidError, expectedForm, type ConfigLayer } from './issues.js';
import { locateJsonError } from './json-position.js';
import {
  deepFreeze,
  isPlainObject,
  mergeLayers,
  type PathSegment,
  type PlainObject,
} from './merge.js';
import { configSchema, type Config, type ConfigPatch } from './schema.js';

export interface LoadConfigOptions {
  /** A JSON config file. A missing file is not an error: the other layers apply. */
  file?: string | undefined;
  /** Usually `process.env`, passed in by the composition root (sync/ never reads it itself). */
  env?: Record<string, string | undefined> | undefined;
  /** Highest precedence: command-line flags, test settings. */
  overrides?: ConfigPatch | undefined;
  /** Lowest precedence: values only the host knows, such as the app's data directory. */
  defaults?: ConfigPatch | undefined;
}

/** Environment variables and the config key each one sets. */
export const CONFIG_ENV_VARS = [
  { name: 'OUTPOST_DATA_DIR', path: ['dataDir'], number: false },
  { name: 'OUTPOST_CENTRAL_URI', path: ['central', 'uri'], number: false },
  { name: 'OUTPOST_LOCAL_PORT', path: ['local', 'port'], number: true },
  { name: 'OUTPOST_MONGOD_PATH', path: ['local', 'mongodPath'], number: false },
  { name: 'OUTPOST_API_PORT', path: ['api', 'port'], number: true },
  { name: 'OUTPOST_LOG_LEVEL', path: ['log', 'level'], number: false },
  { name: 'OUTPOST_SITE_ID', path: ['siteId'], number: false },
] as const;

/**
 * Reads a config file as a JSON object. Returns undefined when the file does not exist; throws
 * CONFIG_UNREADABLE (with line and column for bad JSON) otherwise. Never writes to the file.
 */
export async function readConfigFile(file: string): Promise<PlainObject | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new OutpostError(
      ErrorCode.ConfigUnreadable,
      `The config file ${file} could not be read (${code ?? String(cause)}). Check that it is a file the user running Outpost may read.`,
      { cause, details: { file } },
    );
  }
  // Windows Notepad saves UTF-8 with a byte order mark, which JSON.parse rejects.
  const parsed = parseJson(file, text.replace(/^\uFEFF/, ''));
  if (!isPlainObject(parsed)) {
    throw new OutpostError(
      ErrorCode.ConfigInvalid,
      `The config file ${file} must hold a JSON object ({...}) at the top level, found ${Array.isArray(parsed) ? 'an array' : JSON.stringify(parsed)}.`,
      { details: { file, issues: [{ path: '(top level)', message: 'expected an object' }] } },
    );
  }
  return parsed;
}

function parseJson(file: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    const at = locateJsonError(text);
    const where = at ? `: ${at.problem} at line ${at.line}, column ${at.column}` : '';
    // The cause is not attached: V8's message quotes the text, which may hold a password.
    throw new OutpostError(
      ErrorCode.ConfigUnreadable,
      `The config file ${file} is not valid JSON${where}. Fix the file; Outpost has not changed it.`,
      {
        details: {
          file,
          line: at?.line,
          column: at?.column,
          reason: cause instanceof Error ? cause.name : 'SyntaxError',
        },
      },
    );
  }
}

/** The environment as a config layer. Numbers are parsed; anything else there is an error. */
export function envLayer(env: Record<string, string | undefined>): ConfigLayer {
  const value: PlainObject = {};
  const bad: { path: string; message: string; source: string }[] = [];
  for (const variable of CONFIG_ENV_VARS) {
    const raw = env[variable.name];
    // `OUTPOST_X=` in a service definition means "not set", as with most tools.
    if (raw === undefined || raw.trim() === '') continue;
    let parsed: string | number = raw;
    if (variable.number) {
      if (!/^\s*-?\d+(\.\d+)?\s*$/.test(raw)) {
        bad.push({
          path: variable.path.join('.'),
          message: `${variable.name} is ${JSON.stringify(raw)}; expected a number`,
          source: variable.name,
        });
        continue;
      }
      parsed = Number(raw);
    }
    setPath(value, variable.path, parsed);
  }
  if (bad.length > 0) {
    throw new OutpostError(
      ErrorCode.ConfigInvalid,
      `Invalid environment: ${bad.map((item) => item.message).join('; ')}.`,
      { details: { issues: bad } },
    );
  }
  const label = (path: readonly PathSegment[]) =>
    CONFIG_ENV_VARS.find((variable) => variable.path.join('.') === path.join('.'))?.name;
  return { value, label };
}

function setPath(target: PlainObject, path: readonly string[], value: unknown) {
  let current = target;
  path.slice(0, -1).forEach((key) => {
    current[key] ??= {};
    current = current[key] as PlainObject;
  });
  current[path[path.length - 1] as string] = value;
}

/**
 * Parses merged config with the given schema; on failure, one CONFIG_INVALID naming every bad key.
 * `layers` (highest precedence first) say where each bad value came from.
 */
export function validateConfig<S extends z.ZodType>(
  schema: S,
  input: unknown,
  context: { layers: readonly ConfigLayer[]; file?: string | undefined; what?: string },
): z.output<S> {
  const result = schema.safeParse(input, { error: expectedForm });
  if (result.success) return result.data;
  throw configInvalidError(result.error.issues, { schema, input, ...context });
}

/**
 * The one way Outpost reads its config: defaults < file < environment < overrides, validated,
 * deep-frozen. Loading never writes, so a broken file stays as the operator left it.
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<Config> {
  const { file } = options;
  const fromFile = file === undefined ? undefined : await readConfigFile(file);
  const fromEnv = envLayer(options.env ?? {});
  const layers: ConfigLayer[] = [
    { value: options.overrides, label: 'overrides' },
    fromEnv,
    { value: fromFile, label: file ?? 'file' },
    { value: options.defaults, label: 'defaults' },
  ];
  const merged = mergeLayers([options.defaults, fromFile, fromEnv.value, options.overrides]);
  const config = validateConfig(configSchema, merged, { layers, file });
  return deepFreeze(config);
}
