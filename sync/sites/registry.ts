import type { Timestamp } from 'mongodb';
import type { EngineContext } from '../engine/context.js';
import { SITES, TOMBSTONES } from '../engine/rules.js';
import type { SiteView } from '../api/views.js';
import { ErrorCode, OutpostError } from '../errors.js';

export interface SiteInfo {
  machineHash: string;
  hostname: string;
  version: string;
  /** New each engine start: two live engines with one instance ID have different sessions. */
  sessionId: string;
}

export interface SiteDoc {
  _id: string;
  machineHash: string;
  hostname: string;
  version: string;
  sessionId: string;
  lastSeen: Date;
  pullCt?: Timestamp | null;
  duplicate?: { hostname: string; machineHash: string; seenAt: Date } | null;
}

export interface DuplicateInstance {
  instanceId: string;
  otherHostname: string;
  otherMachineHash: string;
  seenAt: Date;
}

/**
 * Registers this site in `<db>.outpost_sites` and notices another live engine using the same
 * instance ID (a cloned disk, two installs sharing a data directory). The one that notices writes
 * the finding into the other's record as well, so both report it.
 */
export async function heartbeat(
  ctx: EngineContext,
  db: string,
  info: SiteInfo,
  firstBeat: boolean,
): Promise<DuplicateInstance | undefined> {
  const sites = ctx.central.db(db).collection<SiteDoc>(SITES);
  const pull = await ctx.store.checkpoints.findOne({ _id: `pull:${db}` });
  const now = new Date();
  const before = await sites.findOneAndUpdate(
    { _id: ctx.instanceId },
    { $set: { ...info, lastSeen: now, pullCt: pull?.ct ?? null } },
    { upsert: true, returnDocument: 'before' },
  );
  const liveWindow = ctx.tunables.heartbeatMs * 3;
  // The first heartbeat of a session registers it: the session found there is this engine's own
  // previous run (restarted, or killed). Another engine is live only if it wrote after we did.
  const other =
    !firstBeat &&
    before &&
    before.sessionId !== info.sessionId &&
    now.getTime() - before.lastSeen.getTime() < liveWindow;
  if (other) {
    const duplicate = { hostname: before.hostname, machineHash: before.machineHash, seenAt: now };
    await sites.updateOne({ _id: ctx.instanceId }, { $set: { duplicate } });
    ctx.logger.error({
      event: 'site.duplicate-instance-id',
      instanceId: ctx.instanceId,
      otherHostname: before.hostname,
    });
    return {
      instanceId: ctx.instanceId,
      otherHostname: before.hostname,
      otherMachineHash: before.machineHash,
      seenAt: now,
    };
  }
  // Reported by the other engine into our record: keep reporting it while it is recent.
  const reported = before?.duplicate;
  if (reported && now.getTime() - reported.seenAt.getTime() < liveWindow) {
    await sites.updateOne({ _id: ctx.instanceId }, { $set: { duplicate: reported } });
    return {
      instanceId: ctx.instanceId,
      otherHostname: reported.hostname,
      otherMachineHash: reported.machineHash,
      seenAt: reported.seenAt,
    };
  }
  return undefined;
}

/**
 * Removes tombstones every registered site has passed (its pull checkpoint is later). No fixed
 * TTL: a site that comes back after months still learns of the deletes it missed. A site that
 * has never checkpointed holds every tombstone; retire it from the registry to release them.
 */
export async function collectTombstones(ctx: EngineContext, db: string): Promise<number> {
  const sites = await ctx.central
    .db(db)
    .collection<SiteDoc>(SITES)
    .find({}, { projection: { pullCt: 1 } })
    .toArray();
  const oldest = tombstoneFloor(sites);
  if (!oldest) return 0;
  const result = await ctx.central
    .db(db)
    .collection(TOMBSTONES)
    .deleteMany({ ct: { $lt: oldest } });
  return result.deletedCount;
}

/**
 * The pull checkpoint of the registered site furthest behind: tombstones before it can go. None
 * when no site is registered or one has never checkpointed (it holds every tombstone).
 */
function tombstoneFloor(sites: Pick<SiteDoc, 'pullCt'>[]): Timestamp | undefined {
  if (sites.length === 0 || sites.some((site) => !site.pullCt)) return undefined;
  return sites.map((site) => site.pullCt!).reduce((min, ct) => (ct.comp(min) < 0 ? ct : min));
}

/**
 * The sites registered at central in each synced database, newest seen first. `holdsTombstones`:
 * the site has never checkpointed, or is the furthest behind, so central keeps delete records
 * for it.
 */
export async function listSites(ctx: EngineContext): Promise<SiteView[]> {
  const views: SiteView[] = [];
  for (const db of ctx.rules.databases) {
    const sites = await ctx.central
      .db(db)
      .collection<SiteDoc>(SITES)
      .find({}, { sort: { lastSeen: -1 } })
      .toArray();
    const floor = tombstoneFloor(sites);
    for (const site of sites)
      views.push({
        db,
        instanceId: site._id,
        hostname: site.hostname,
        version: site.version,
        lastSeen: site.lastSeen.toISOString(),
        self: site._id === ctx.instanceId,
        holdsTombstones: floor ? site.pullCt!.comp(floor) === 0 : !site.pullCt,
      });
  }
  return views;
}

/**
 * Takes a site that is gone for good (a shop closed, a machine replaced) out of the registry of
 * every synced database, so that central stops keeping delete records for it. Refused for this
 * site and for one seen within the last minute: a live site would only register again.
 */
export async function retireSite(ctx: EngineContext, instanceId: string): Promise<number> {
  if (instanceId === ctx.instanceId)
    throw new OutpostError(
      ErrorCode.InvalidArgs,
      `${instanceId} is this site: retire it from another site, once this one is gone.`,
    );
  let retired = 0;
  const liveSince = new Date(Date.now() - Math.max(RETIRE_AFTER_MS, ctx.tunables.heartbeatMs * 3));
  for (const db of ctx.rules.databases) {
    const sites = ctx.central.db(db).collection<SiteDoc>(SITES);
    const site = await sites.findOne({ _id: instanceId });
    if (!site) continue;
    if (site.lastSeen > liveSince)
      throw new OutpostError(
        ErrorCode.InvalidState,
        `${instanceId} (${site.hostname}) was seen at ${site.lastSeen.toISOString()}: it is still ` +
          'running. Stop Outpost there first; a running site registers again.',
      );
    retired += (await sites.deleteOne({ _id: instanceId, lastSeen: site.lastSeen })).deletedCount;
  }
  if (retired === 0)
    throw new OutpostError(
      ErrorCode.NotFound,
      `No site ${instanceId} is registered at central. \`outpost sites\` lists them.`,
    );
  ctx.logger.info({ event: 'site.retired', instanceId, databases: retired });
  return retired;
}

const RETIRE_AFTER_MS = 60_000;

/** Clock skew of this site against central (ms; positive: this site is ahead) and round trip. */
export async function measureSkew(
  ctx: EngineContext,
): Promise<{ skewMs: number; roundTripMs: number }> {
  const before = ctx.wallClock();
  const started = performance.now();
  const hello = await ctx.central.db('admin').command({ hello: 1 });
  const roundTripMs = performance.now() - started;
  const centralTime = (hello['localTime'] as Date).getTime();
  return {
    skewMs: Math.round(before + roundTripMs / 2 - centralTime),
    roundTripMs: Math.round(roundTripMs * 10) / 10,
  };
}
