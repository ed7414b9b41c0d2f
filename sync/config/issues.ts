import type { z } from 'zod';
import { ErrorCode, OutpostError } from '../errors.js';
import { redactUri } from '../logging/redact.js';
import { formatPath, getPath, type PathSegment } from './merge.js';

/**
 * Turns schema failures into one error that names every bad key as a dotted path, what was found
 * there, where it came from (file, environment variable, override) and the expected form.
 */

export interface ConfigIssue {
  path: string;
  message: string;
  source?: string | undefined;
}

/** One layer of config, highest precedence first when passed to `describeSource`. */
export interface ConfigLayer {
  value: unknown;
  /** A label for the whole layer, or one per path (environment variables). */
  label: string | ((path: readonly PathSegment[]) => string | undefined);
}

const ARTICLE: Record<string, string> = {
  int: 'an integer',
  object: 'an object',
  array: 'an array',
};

/**
 * Per-parse error map: phrases each issue as the expected form. Messages set on the schema itself
 * take precedence over this (zod 4 error precedence), and are written in the same style.
 */
export const expectedForm: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      return ARTICLE[issue.expected] ?? `a ${issue.expected}`;
    case 'invalid_value':
      return `one of ${issue.values.map(String).join(', ')}`;
    case 'too_small':
    case 'too_big': {
      const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
      const op =
        issue.code === 'too_small' ? (issue.inclusive ? '>=' : '>') : issue.inclusive ? '<=' : '<';
      if (issue.origin === 'string') {
        return issue.code === 'too_small'
          ? `a string of at least ${bound} characters`
          : `a string of at most ${bound} characters`;
      }
      if (issue.origin === 'array') return `an array with ${op} ${bound} items`;
      return `a number ${op} ${bound}`;
    }
    case 'invalid_format':
      return `a ${issue.format}`;
    default:
      return undefined;
  }
};

const ANY_URI_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/)[^@/\s"]+@/gi;
// `user:pass@host` typed without a scheme is still a password.
const LEADING_USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)?[^/?#\s]*@/i;

function describeValue(value: unknown, found: boolean, key?: PathSegment): string {
  if (!found) return 'nothing';
  const shown =
    key === 'uri' && typeof value === 'string'
      ? value.replace(LEADING_USERINFO, (_match, scheme?: string) => `${scheme ?? ''}***@`)
      : value;
  const text = JSON.stringify(shown) ?? String(shown);
  const short = text.length > 80 ? `${text.slice(0, 77)}...` : text;
  // A bad `central.uri` is echoed back; its password must not be, whatever its scheme.
  return redactUri(short).replace(ANY_URI_CREDENTIALS, '$1***@');
}

/** The highest-precedence layer that sets `path`, as a label. */
function describeSource(layers: readonly ConfigLayer[], path: readonly PathSegment[]) {
  for (const layer of layers) {
    if (!getPath(layer.value, path).found) continue;
    return typeof layer.label === 'string' ? layer.label : layer.label(path);
  }
  return undefined;
}

interface SchemaDef {
  type: string;
  shape?: Record<string, z.core.$ZodType>;
  element?: z.core.$ZodType;
  valueType?: z.core.$ZodType;
  innerType?: z.core.$ZodType;
}

const defOf = (schema: z.core.$ZodType) => schema._zod.def as unknown as SchemaDef;

/** Sees through optional, default, prefault, nullable and readonly wrappers. */
function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  let current = schema;
  let inner = defOf(current).innerType;
  while (inner) {
    current = inner;
    inner = defOf(current).innerType;
  }
  return current;
}

function child(schema: z.core.$ZodType, segment: PropertyKey): z.core.$ZodType | undefined {
  const def = defOf(schema);
  if (def.type === 'object') return def.shape?.[String(segment)];
  if (def.type === 'array') return def.element;
  if (def.type === 'record') return def.valueType;
  return undefined;
}

/** Known keys of the object schema at `path`, to list next to an unknown key. */
export function knownKeysAt(schema: z.core.$ZodType, path: readonly PropertyKey[]): string[] {
  let current: z.core.$ZodType | undefined = unwrap(schema);
  for (const segment of path) {
    const next: z.core.$ZodType | undefined = current && child(current, segment);
    current = next && unwrap(next);
  }
  const def = current && defOf(current);
  return def?.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}

interface IssueContext {
  schema: z.core.$ZodType;
  input: unknown;
  layers: readonly ConfigLayer[];
}

function toConfigIssues(issue: z.core.$ZodIssue, context: IssueContext): ConfigIssue[] {
  const path = issue.path as PathSegment[];
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt(context.schema, path);
    return issue.keys.map((key) => ({
      path: formatPath([...path, key]),
      message: `unknown key; expected one of ${known.join(', ')}`,
      source: describeSource(context.layers, [...path, key]),
    }));
  }
  const at = getPath(context.input, path);
  // A bad record key (a collection name) is reported as the key, not the rule under it.
  const found =
    issue.code === 'invalid_key'
      ? `key ${describeValue(path[path.length - 1], true)}`
      : describeValue(at.value, at.found, path[path.length - 1]);
  const expected =
    issue.code === 'invalid_key' ? (issue.issues[0]?.message ?? issue.message) : issue.message;
  return [
    {
      path: formatPath(path) || '(top level)',
      message: `found ${found}; expected ${expected}`,
      source: describeSource(context.layers, path),
    },
  ];
}

export function configInvalidError(
  issues: readonly z.core.$ZodIssue[],
  context: IssueContext & { file?: string | undefined; what?: string },
): OutpostError {
  const list = issues.flatMap((issue) => toConfigIssues(issue, context));
  const lines = list.map(
    (item) => `  ${item.path}: ${item.message}${item.source ? ` (from ${item.source})` : ''}`,
  );
  const what = context.what ?? (context.file ? `The config from ${context.file}` : 'The config');
  return new OutpostError(
    ErrorCode.ConfigInvalid,
    `${what} is invalid (${list.length} problem${list.length === 1 ? '' : 's'}):\n${lines.join('\n')}`,
    { details: { file: context.file, issues: list } },
  );
}
