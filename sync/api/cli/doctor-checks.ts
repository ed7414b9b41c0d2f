/**
 * The checks of `outpost doctor`, which runs without a running instance: each returns pass, warn
 * or fail with a message and, when not passing, what to do about it.
 */
import { MongoClient, type Document } from 'mongodb';
import type { Config } from '../../config/index.js';
import { redactUri } from '../../logging/redact.js';
import { findMongodBinary } from '../../mongod/binary.js';
import { adminClient } from '../../mongod/replset.js';
import { diskSpace } from '../../status/disk.js';
import { formatBytes, formatDuration } from '../../status/format.js';
import type { HealthStatus } from '../../status/health.js';
import { isPortFree } from '../../util/ports.js';
import { readApiDiscovery } from '../http-server.js';
import { isLoopbackHost, listenAddress } from '../http/loopback.js';
import { centralNames } from '../engine-options.js';

export interface DoctorCheck {
  name: string;
  status: HealthStatus;
  message: string;
  fix?: string;
}

const pass = (name: string, message: string): DoctorCheck => ({ name, status: 'pass', message });
const fail = (name: string, message: string, fix: string): DoctorCheck => ({
  name,
  status: 'fail',
  message,
  fix,
});

const reason = (error: unknown) =>
  redactUri(error instanceof Error ? error.message : String(error));

export async function checkMongodBinary(lookup: {
  config: Config;
  searchPath: string | undefined;
  resourcesDir: string;
  devMongodBinary: string | undefined;
}): Promise<DoctorCheck> {
  try {
    const found = await findMongodBinary({
      explicitPath: lookup.config.local.mongodPath,
      resourcesDir: lookup.resourcesDir,
      searchPath: lookup.searchPath,
      harnessPath: lookup.devMongodBinary,
    });
    return pass('mongod-binary', `Found ${found.path} (${found.source}).`);
  } catch (error) {
    return fail(
      'mongod-binary',
      reason(error),
      'Install MongoDB 6.0 or later and put mongod on PATH, or set local.mongodPath to it.',
    );
  }
}

export async function checkLocalPort(config: Config): Promise<DoctorCheck> {
  const { port, replSetName } = config.local;
  if (await isPortFree(port)) return pass('local-port', `Port ${port} (local mongod) is free.`);
  const client = adminClient(port);
  try {
    const hello = await client.db('admin').command({ hello: 1 });
    if (hello['setName'] === replSetName) {
      return pass(
        'local-port',
        `Port ${port} is used by a mongod of replica set "${replSetName}": this site's own, if Outpost is running.`,
      );
    }
  } catch {
    // Not a mongod, or not answering: reported below as a foreign program.
  } finally {
    await client.close(true).catch(() => undefined);
  }
  return fail(
    'local-port',
    `Port ${port} (local.port) is used by another program.`,
    `Stop the program listening on 127.0.0.1:${port}, or set local.port to a free port.`,
  );
}

export async function checkApiPort(config: Config): Promise<DoctorCheck> {
  const { host, port } = config.api;
  if (!isLoopbackHost(host)) {
    return fail(
      'api-port',
      `api.host is ${host}, not a loopback address.`,
      'Set api.host to 127.0.0.1.',
    );
  }
  if (port === 0)
    return pass('api-port', 'The API port is chosen when Outpost starts (api.port 0).');
  if (await isPortFree(port, listenAddress(host)))
    return pass('api-port', `Port ${port} (API) is free.`);
  const discovery = await readApiDiscovery(config.dataDir);
  if (discovery && new URL(discovery.url).port === String(port)) {
    return pass('api-port', `Port ${port} is used by this Outpost's API (${discovery.url}).`);
  }
  return fail(
    'api-port',
    `Port ${port} (api.port) is used by another program.`,
    `Stop the program listening on port ${port}, or set api.port to a free port (0 picks one).`,
  );
}

export async function checkDisk(config: Config): Promise<DoctorCheck> {
  const disk = await diskSpace(config.dataDir);
  if ('error' in disk) {
    return {
      name: 'disk-space',
      status: 'warn',
      message: `Free space of ${disk.path} unknown: ${disk.error}.`,
    };
  }
  const { diskFailBytes, diskWarnBytes } = config.health;
  const message = `${formatBytes(disk.freeBytes)} free on ${disk.path}.`;
  if (disk.freeBytes < diskFailBytes)
    return fail(
      'disk-space',
      message,
      `Free space on ${disk.path}: mongod stops when the disk is full.`,
    );
  if (disk.freeBytes < diskWarnBytes)
    return { name: 'disk-space', status: 'warn', message, fix: `Free space on ${disk.path} soon.` };
  return pass('disk-space', message);
}

/** Reachability, topology, change-stream privileges and clock skew, over one connection. */
export async function checkCentral(config: Config): Promise<DoctorCheck[]> {
  const uri = config.central.uri;
  if (!uri) {
    return [
      fail(
        'central-reachable',
        'No central connection string is configured.',
        'Set central.uri in the config file or OUTPOST_CENTRAL_URI (mongodb:// or mongodb+srv://).',
      ),
    ];
  }
  const client = new MongoClient(uri, {
    serverSelectionTimeoutMS: 5_000,
    connectTimeoutMS: 5_000,
    appName: 'outpost-doctor',
  });
  try {
    let hello: Document;
    const sentAt = Date.now();
    const started = performance.now();
    try {
      hello = await client.db('admin').command({ hello: 1 });
    } catch (error) {
      return [
        fail('central-reachable', `Central did not answer: ${reason(error)}.`, centralFix(error)),
      ];
    }
    const roundTripMs = Math.round(performance.now() - started);
    return [
      pass('central-reachable', `Central answered in ${roundTripMs} ms (${redactUri(uri)}).`),
      topology(hello),
      ...(await changeStreams(client, config)),
      clockSkew(hello, sentAt + roundTripMs / 2, config),
    ];
  } finally {
    await client.close(true).catch(() => undefined);
  }
}

function centralFix(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 18) return 'Authentication failed: check the user and password in central.uri.';
  return (
    'Check that central is up, that this machine can reach its host and port (DNS, firewall, ' +
    'VPN), and the TLS options of central.uri.'
  );
}

function topology(hello: Document): DoctorCheck {
  if (typeof hello['setName'] === 'string')
    return pass('central-topology', `Central is replica set "${hello['setName']}".`);
  if (hello['msg'] === 'isdbgrid')
    return pass('central-topology', 'Central is a sharded cluster (mongos).');
  return fail(
    'central-topology',
    'Central is a standalone mongod: change streams need a replica set or a sharded cluster.',
    'Run central as a replica set (even of one member: --replSet, then rs.initiate()) or use Atlas.',
  );
}

async function changeStreams(client: MongoClient, config: Config): Promise<DoctorCheck[]> {
  const mapped = centralNames(config);
  const databases = config.databases.map((db) => mapped.get(db.name) ?? db.name);
  if (databases.length === 0) {
    return [
      {
        name: 'change-streams',
        status: 'warn',
        message: 'No databases are configured, so change stream access was not checked.',
        fix: 'List the databases to sync under "databases" in the config.',
      },
    ];
  }
  const checks: DoctorCheck[] = [];
  for (const db of databases) {
    // watch() opens its cursor lazily: tryNext() makes the server check the privileges now.
    const stream = client.db(db).watch([], { maxAwaitTimeMS: 100 });
    try {
      await stream.tryNext();
      checks.push(pass('change-streams', `Change streams on ${db} open.`));
    } catch (error) {
      const unauthorized = (error as { code?: unknown }).code === 13;
      checks.push(
        fail(
          'change-streams',
          `Cannot open a change stream on central database ${db}: ${reason(error)}.`,
          unauthorized
            ? `Grant the central user readWrite on ${db} (it includes the changeStream and find actions).`
            : 'Check that central is a replica set or sharded cluster and that the user may read it.',
        ),
      );
    } finally {
      await stream.close().catch(() => undefined);
    }
  }
  return checks;
}

function clockSkew(hello: Document, localAtCentral: number, config: Config): DoctorCheck {
  const centralTime: unknown = hello['localTime'];
  if (!(centralTime instanceof Date))
    return { name: 'clock-skew', status: 'warn', message: 'Central did not report its time.' };
  const skewMs = Math.round(localAtCentral - centralTime.getTime());
  const size = Math.abs(skewMs);
  const message = `This clock is ${formatDuration(size)} ${skewMs >= 0 ? 'ahead of' : 'behind'} central's.`;
  const fix = "Synchronise this machine's clock (NTP / Windows Time).";
  if (size > config.health.clockSkewFailMs) return fail('clock-skew', message, fix);
  if (size > config.health.clockSkewWarnMs)
    return { name: 'clock-skew', status: 'warn', message, fix };
  return pass('clock-skew', message);
}
