import type { Document } from 'mongodb';

export const Direction = {
  Both: 'both',
  Push: 'push',
  Pull: 'pull',
  LocalOnly: 'local-only',
} as const;
export type Direction = (typeof Direction)[keyof typeof Direction];

export const Strategy = {
  Lww: 'lww',
  CentralWins: 'central-wins',
  SiteWins: 'site-wins',
  Merge: 'merge',
  Manual: 'manual',
} as const;
export type Strategy = (typeof Strategy)[keyof typeof Strategy];

export interface ScopeRule {
  /** Field holding the site a document belongs to, e.g. `siteId`. */
  field: string;
  /** Also receive documents with no value in `field` (catalogue, prices...). */
  includeGlobal: boolean;
}

export interface CollectionRule {
  direction: Direction;
  strategy: Strategy;
  counters: readonly string[];
  scope?: ScopeRule | undefined;
  mergeFallback: 'lww' | 'manual';
  deleteVsUpdate: 'update-wins' | 'delete-wins';
}

export interface DatabaseRules {
  name: string;
  collections: Readonly<Record<string, Partial<CollectionRule>>>;
}

export interface RulesInput {
  databases: readonly DatabaseRules[];
  /** Collection names never synced, in any database. */
  exclude: readonly string[];
  /** This site's value for scope filters. */
  siteId?: string | undefined;
}

export const DEFAULT_RULE: CollectionRule = {
  direction: 'both',
  strategy: 'lww',
  counters: [],
  mergeFallback: 'lww',
  deleteVsUpdate: 'update-wins',
};

/**
 * Collections whose merges need the last synced document (the base), kept in meta as `baseDoc`
 * and recorded in flight before each push: `merge` and any with counter fields.
 */
export function keepsBase(rule: CollectionRule | undefined): boolean {
  return rule?.strategy === 'merge' || (rule?.counters.length ?? 0) > 0;
}

/**
 * Whether meta keeps a copy of the last synced document (baseDoc): merges and counters work from
 * it, and a manual conflict shows the operator what each side changed since.
 */
export function storesBaseDoc(rule: CollectionRule | undefined): boolean {
  return keepsBase(rule) || rule?.strategy === 'manual';
}

/** Outpost's own collections at central, and the server's. */
export const RESERVED_COLLECTION = /^(system\.|outpost_)/;
export const TOMBSTONES = 'outpost_tombstones';
export const SITES = 'outpost_sites';
/** Central's identity for the database (see central/identity.ts). */
export const CENTRAL_IDENTITY = 'outpost_central';
const OWN_COLLECTIONS = [TOMBSTONES, SITES, CENTRAL_IDENTITY];

/**
 * A change event of an update that left `_sync` alone: made at central by another application
 * (Outpost's own writes always set a new `_sync.v`). Pull adopts it (see adopt.ts). Safe on
 * events without updateDescription: the server may evaluate $expr before operationType, and an
 * error there ends the stream (code 280).
 */
export const FOREIGN_UPDATE: Document = {
  operationType: 'update',
  $expr: {
    $not: {
      $anyElementTrue: [
        {
          $map: {
            input: {
              $concatArrays: [
                {
                  $map: {
                    input: {
                      $objectToArray: { $ifNull: ['$updateDescription.updatedFields', {}] },
                    },
                    in: '$$this.k',
                  },
                },
                { $ifNull: ['$updateDescription.removedFields', []] },
              ],
            },
            in: {
              $or: [
                { $eq: ['$$this', '_sync'] },
                { $eq: [{ $substrCP: ['$$this', 0, 6] }, '_sync.'] },
              ],
            },
          },
        },
      ],
    },
  },
};

/**
 * Which collections sync in which direction, and the server-side filters that follow from it.
 * Collections not listed in a database's rules sync both ways with the default rule, unless
 * excluded; Outpost's and the server's own collections never sync.
 */
export class SyncRules {
  constructor(readonly input: RulesInput) {}

  get databases(): string[] {
    return this.input.databases.map((db) => db.name);
  }

  ruleFor(db: string, coll: string): CollectionRule | undefined {
    const database = this.input.databases.find((d) => d.name === db);
    if (!database || RESERVED_COLLECTION.test(coll) || this.input.exclude.includes(coll))
      return undefined;
    return { ...DEFAULT_RULE, ...database.collections[coll] };
  }

  pushes(db: string, coll: string): boolean {
    const direction = this.ruleFor(db, coll)?.direction;
    return direction === 'both' || direction === 'push';
  }

  pulls(db: string, coll: string): boolean {
    const direction = this.ruleFor(db, coll)?.direction;
    return direction === 'both' || direction === 'pull';
  }

  /**
   * A condition on a collection name in a change stream: synced in the wanted direction. Names,
   * not RESERVED_COLLECTION: the server runs a regex on `ns.coll` as an expression on every
   * oplog entry it reads (central spent 0.19 CPU seconds per 1,000 entries a stream skipped,
   * 0.11 with names), and a stream never carries `system.` collections. Capture and pull check
   * each event against the rules again (`pushes`, `pulls`), which any other reserved name fails.
   */
  collectionCondition(db: string, wanted: 'push' | 'pull'): Document {
    const listed = Object.entries(this.listed(db));
    const blocked = listed.filter(
      ([, rule]) => !(rule.direction === 'both' || rule.direction === wanted),
    );
    return { $nin: [...OWN_COLLECTIONS, ...this.input.exclude, ...blocked.map(([name]) => name)] };
  }

  /** $match for the local change stream of `db`: changes the site must push. */
  /**
   * `applySessions`: session IDs of pull's dedicated apply client, whose changes are echoes. Only
   * IDs from a client nothing else uses may go here: the driver pools server sessions, so the ID
   * of a session of a shared client can come back on an application write, which would be lost
   * (seen by the conflict property test after an engine restart).
   */
  captureMatch(db: string, applySessions: readonly unknown[] = []): Document {
    return {
      operationType: { $in: ['insert', 'update', 'replace', 'delete'] },
      'ns.coll': this.collectionCondition(db, 'push'),
      ...(applySessions.length > 0 ? { 'lsid.id': { $nin: applySessions } } : {}),
    };
  }

  /**
   * The change-stream pipeline of pull: stamp-only updates first (earlier builds followed a
   * site's batch insert with one update per document setting `_sync.ct`, and such sites may
   * share central with this one; the insert event already carried the document and its
   * version), in a stage of its own that does not read `fullDocument`, so the server can drop
   * them before it looks the document up for every site; then pullMatch.
   */
  pullPipeline(db: string, self: string): Document[] {
    const stampOnly = {
      operationType: 'update',
      $expr: {
        $eq: [
          {
            $map: { input: { $objectToArray: '$updateDescription.updatedFields' }, in: '$$this.k' },
          },
          ['_sync.ct'],
        ],
      },
    };
    return [{ $match: { $nor: [stampOnly] } }, { $match: this.pullMatch(db, self) }];
  }

  /**
   * $match for the central change stream of `db`: documents in this site's scope written by
   * others, raw deletes, and tombstones written by others.
   */
  pullMatch(db: string, self: string): Document {
    const collections = this.collectionCondition(db, 'pull');
    const scoped = this.scopedCollections(db);
    const inScope: Document[] = [
      {
        'ns.coll': {
          ...collections,
          $nin: [...(collections['$nin'] as string[]), ...scoped.map(([name]) => name)],
        },
      },
      ...scoped.map(([name, scope]) => ({
        'ns.coll': name,
        ...this.scopeCondition(scope, 'fullDocument.'),
      })),
    ];
    return {
      $or: [
        {
          operationType: { $in: ['insert', 'update', 'replace'] },
          // Another application's update leaves `_sync` as it was, this site's origin included.
          $and: [{ $or: [{ 'fullDocument._sync.o': { $ne: self } }, FOREIGN_UPDATE] }],
          $or: inScope,
        },
        { operationType: 'delete', 'ns.coll': collections },
        {
          operationType: { $in: ['insert', 'replace', 'update'] },
          'ns.coll': TOMBSTONES,
          'fullDocument.o': { $ne: self },
          'fullDocument._id.coll': collections,
        },
      ],
    };
  }

  /** Filter on central documents of one collection: this site's scope (for scans). */
  scopeFilter(db: string, coll: string): Document {
    const scope = this.ruleFor(db, coll)?.scope;
    return scope ? this.scopeCondition(scope, '') : {};
  }

  private scopeCondition(scope: ScopeRule, prefix: string): Document {
    const own = { [`${prefix}${scope.field}`]: this.input.siteId ?? null };
    if (!scope.includeGlobal) return own;
    // `null` also matches a missing field.
    return { $or: [own, { [`${prefix}${scope.field}`]: null }] };
  }

  private listed(db: string): Record<string, CollectionRule> {
    const database = this.input.databases.find((d) => d.name === db);
    const out: Record<string, CollectionRule> = {};
    for (const [name, rule] of Object.entries(database?.collections ?? {}))
      out[name] = { ...DEFAULT_RULE, ...rule };
    return out;
  }

  private scopedCollections(db: string): [string, ScopeRule][] {
    return Object.entries(this.listed(db))
      .filter(([name, rule]) => rule.scope && this.pulls(db, name))
      .map(([name, rule]) => [name, rule.scope!]);
  }
}
