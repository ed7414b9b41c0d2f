/**
 * One zod schema per bridge call, validating what arrives over IPC or HTTP before a handler runs.
 * The `satisfies` below makes the compiler check each schema's output against the contract.
 */
import path from 'node:path';
import { z } from 'zod';
import type { BridgeCallName, BridgeCalls } from './contract.js';
import { webhookUrl } from '../config/schema.js';

/** Calls without arguments accept nothing, null or `{}` (an empty JSON body). */
const noArgs = z
  .union([z.undefined(), z.null(), z.strictObject({})])
  .transform((): void => undefined);

const name = z.string().min(1).max(120);
const limit = (max: number, fallback: number) => z.int().min(1).max(max).default(fallback);
const objectId = z
  .string()
  .regex(/^[0-9a-f]{24}$/i, { error: 'a conflict id: 24 hexadecimal characters' });
const jsonObject = z.record(z.string(), z.unknown());
/** Paths are resolved by the caller (the CLI, against its working directory). */
const absolutePath = z
  .string()
  .max(4_096)
  .refine((value) => path.isAbsolute(value), { error: 'an absolute path' });

export const callSchemas = {
  'app:get-info': noArgs,
  'sync:get-status': noArgs,
  'sync:get-health': noArgs,
  'sync:run-now': z
    .union([
      z.undefined(),
      z.null(),
      z.strictObject({
        wait: z.boolean().optional(),
        timeoutMs: z.int().min(1_000).max(600_000).optional(),
      }),
    ])
    .transform((args) => args ?? undefined),
  'sync:pause': noArgs,
  'sync:resume': noArgs,
  'sync:verify': z
    .strictObject({
      db: name.optional(),
      colls: z.array(name).min(1).optional(),
      repair: z.boolean().optional(),
    })
    .prefault({}),
  'collections:list': z.strictObject({ db: name.optional() }).prefault({}),
  'conflicts:list': z
    .strictObject({
      state: z.enum(['open', 'resolved', 'all']).optional(),
      db: name.optional(),
      coll: name.optional(),
      limit: limit(500, 50),
    })
    .prefault({}),
  'conflicts:resolve': z.discriminatedUnion('keep', [
    z.strictObject({ id: objectId, keep: z.enum(['site', 'central']) }),
    z.strictObject({ id: objectId, keep: z.literal('merged'), doc: jsonObject }),
    z.strictObject({
      id: objectId,
      keep: z.literal('renamed'),
      // A top-level or dotted field name, as a unique index names it.
      field: z
        .string()
        .min(1)
        .max(200)
        .regex(/^[^$.][^$]*$/, { error: 'a field name, not starting with $ or .' }),
      value: z.union([z.string().min(1).max(1_000), z.number(), z.boolean()], {
        error: 'a new value: text, a number or true/false',
      }),
    }),
  ]),
  'conflicts:auto-resolve': z
    .strictObject({
      db: name.optional(),
      coll: name.optional(),
      strategy: z.enum(['lww', 'site-wins', 'central-wins']).optional(),
      max: z.int().min(1).max(10_000).optional(),
    })
    .prefault({}),
  'log:list': z
    .strictObject({
      limit: limit(1_000, 100),
      level: z.enum(['info', 'warn', 'error']).optional(),
      event: name.optional(),
      since: z.iso.datetime({ offset: true }).optional(),
    })
    .prefault({}),
  'outbox:list': z
    .strictObject({
      db: name.optional(),
      coll: name.optional(),
      failing: z.boolean().optional(),
      limit: limit(1_000, 100),
    })
    .prefault({}),
  'quarantine:list': z
    .strictObject({ db: name.optional(), coll: name.optional(), limit: limit(1_000, 100) })
    .prefault({}),
  'quarantine:retry': z
    .strictObject({
      db: name.optional(),
      coll: name.optional(),
      docId: z.json().optional(),
    })
    .prefault({}),
  'sites:list': noArgs,
  'sites:retire': z.strictObject({ instanceId: z.string().min(1).max(200) }),
  'config:get': noArgs,
  'config:update': z.strictObject({ patch: jsonObject }),
  'config:reload': noArgs,
  'settings:test-connection': z.strictObject({ uri: z.string().max(4_096) }),
  'alerts:test': z.strictObject({ url: webhookUrl.optional() }).prefault({}),
  'documents:sync-state': z.strictObject({
    db: name,
    coll: name,
    ids: z.array(z.json()).min(1).max(1_000),
  }),
  'backup:create': z
    .strictObject({
      dir: absolutePath.optional(),
      databases: z.array(name).min(1).optional(),
      gzip: z.boolean().optional(),
    })
    .prefault({}),
  'backup:list': noArgs,
  'backup:restore': z.strictObject({
    dir: absolutePath,
    databases: z.array(name).min(1).optional(),
    as: name.optional(),
  }),
} satisfies { [K in BridgeCallName]: z.ZodType<BridgeCalls[K]['args']> };

export type CallSchemas = typeof callSchemas;

/** A schema failure as `[{ path: 'limit', message: '...' }]`, for `{code, message, details}`. */
export function describeIssues(error: z.ZodError): { path: string; message: string }[] {
  const at = (path: readonly PropertyKey[]) =>
    path.length === 0 ? '(arguments)' : path.map(String).join('.');
  return error.issues.flatMap((issue) =>
    // An unknown key is named as the path, so the caller sees which argument to drop.
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({
          path: at([...issue.path, key]),
          message: 'not an argument of this call',
        }))
      : [{ path: at(issue.path), message: issue.message }],
  );
}
