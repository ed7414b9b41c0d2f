/**
 * Chaos: mixed POS load on two sites and head office while the engine (kill -9 of its process),
 * a site's mongod and central's mongod are killed at random moments, network errors and
 * ChangeStreamHistoryLost (286) are injected with failpoints, and sync is paused and soon
 * resumed. After each run every replica must converge and every acknowledged site write must be
 * at central exactly as last acknowledged.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { MongoClient, type Db } from 'mongodb';
import { createCentralWriter } from '../../sync/central/writer.js';
import { engineClientOptions } from '../../sync/engine/client-options.js';
import { contentHash, stripSync } from '../../sync/engine/hash.js';
import type { EngineProcessSpec } from '../harness/engine-process.js';
import { startTestMongod, stopTestMongod, type TestMongod } from '../harness/mongods.js';
import { seededRandom } from '../harness/random.js';
import { CENTRAL_OWN } from '../harness/db-names.js';

export interface ChaosOptions {
  seed: number;
  runs: number;
  /** Load duration of each run. */
  seconds: number;
  log?: (line: string) => void;
}

export interface ChaosReport {
  seed: number;
  runs: number;
  faults: Record<
    | 'engineKills'
    | 'siteMongodKills'
    | 'centralMongodKills'
    | 'networkErrors'
    | 'historyLost'
    | 'pauses',
    number
  >;
  acknowledgedWrites: number;
  documentsChecked: number;
  losses: number;
  mismatches: string[];
  converged: boolean[];
}

const COLLECTIONS = ['sales', 'products', ...CENTRAL_OWN];
/** Each engine process's log (debug level, appended across its restarts). */
export const CHAOS_LOG_DIR = path.join('test-results', 'chaos');

const engineProcesses = new Set<ChildProcess>();

/** Kills the engine processes of a run still going (for a runner that is being interrupted). */
export function killEngineProcesses(): void {
  for (const child of engineProcesses) child.kill('SIGKILL');
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const began = Date.now();
  const write = options.log ?? (() => undefined);
  const log = (line: string) => write(`${((Date.now() - began) / 1000).toFixed(1)}s ${line}`);
  const random = seededRandom(options.seed);
  const report: ChaosReport = {
    seed: options.seed,
    runs: 0,
    faults: {
      engineKills: 0,
      siteMongodKills: 0,
      centralMongodKills: 0,
      networkErrors: 0,
      historyLost: 0,
      pauses: 0,
    },
    acknowledgedWrites: 0,
    documentsChecked: 0,
    losses: 0,
    mismatches: [],
    converged: [],
  };
  const mongods: TestMongod[] = await Promise.all([
    startTestMongod('chaos-central', 'central'),
    startTestMongod('chaos-a', 'site'),
    startTestMongod('chaos-b', 'site'),
  ]);
  const [centralMongod, ...siteMongods] = mongods as [TestMongod, TestMongod, TestMongod];
  // A socket timeout, as the engines have: a killed mongod's sockets can stay open under Wine,
  // and a read on one would wait for ever.
  const central = new MongoClient(
    centralMongod.running.uri,
    engineClientOptions({ serverSelectionTimeoutMS: 30_000 }),
  );
  const locals = siteMongods.map(
    (m) =>
      new MongoClient(m.running.uri, engineClientOptions({ serverSelectionTimeoutMS: 30_000 })),
  );
  // Every engine process started, so that none outlives a run that throws.
  const children = engineProcesses;
  const startEngine = async (spec: EngineProcessSpec) => {
    const child = await startEngineProcess(spec);
    children.add(child);
    child.once('exit', () => children.delete(child));
    return child;
  };
  try {
    for (let run = 0; run < options.runs; run++) {
      const dbName = `chaos_${options.seed}_${run}_${Date.now().toString(36)}`;
      for (const coll of COLLECTIONS) await central.db(dbName).createCollection(coll);
      for (const local of locals)
        for (const coll of COLLECTIONS.slice(0, 2)) await local.db(dbName).createCollection(coll);
      const specs: EngineProcessSpec[] = siteMongods.map((m, i) => ({
        logLevel: 'debug',
        instanceId: `chaos-${i}-${run}`,
        localUri: m.running.uri,
        centralUri: centralMongod.running.uri,
        dbName,
        metaDatabase: `outpost_chaos_${i}_${run}`,
      }));
      const engines: (ChildProcess | undefined)[] = await Promise.all(
        specs.map((spec) => startEngine(spec)),
      );
      const expected = new Map<string, string | null>();
      const headOffice = createCentralWriter(central, 'chaos-head-office');
      const stopAt = Date.now() + options.seconds * 1000;
      let counter = 0;
      const load = (async () => {
        while (Date.now() < stopAt) {
          const site = random.int(2);
          const db = locals[site]!.db(dbName);
          const roll = random.next();
          const id = `s${site}-${counter++}`;
          if (roll < 0.6 || expected.size === 0) {
            const doc = { _id: id, total: random.int(1000), site };
            await retry(() => db.collection('sales').insertOne(doc as never), true);
            expected.set(id, contentHash(doc));
          } else if (roll < 0.85) {
            const mine = [...expected.keys()].filter(
              (k) => k.startsWith(`s${site}-`) && expected.get(k) !== null,
            );
            if (mine.length === 0) continue;
            const target = random.pick(mine);
            const doc = { _id: target, total: random.int(1000), site, edited: counter };
            await retry(() => db.collection('sales').replaceOne({ _id: target as never }, doc));
            expected.set(target, contentHash(doc));
          } else if (roll < 0.93) {
            const mine = [...expected.keys()].filter(
              (k) => k.startsWith(`s${site}-`) && expected.get(k) !== null,
            );
            if (mine.length === 0) continue;
            const target = random.pick(mine);
            await retry(() => db.collection('sales').deleteOne({ _id: target as never }));
            expected.set(target, null);
          } else {
            await retry(
              () =>
                headOffice.insert(dbName, 'products', {
                  _id: `p-${counter++}`,
                  price: random.int(50),
                }),
              true,
            );
          }
          await new Promise((resolve) => setTimeout(resolve, random.int(20)));
        }
      })();
      const faults = (async () => {
        while (Date.now() < stopAt - 2_000) {
          await new Promise((resolve) => setTimeout(resolve, 1_000 + random.int(3_000)));
          const kind = random.int(6);
          if (kind === 0) {
            const i = random.int(2);
            engines[i]?.kill('SIGKILL');
            report.faults.engineKills++;
            log(`run ${run}: kill -9 engine ${i}`);
            await new Promise((resolve) => setTimeout(resolve, random.int(1_500)));
            engines[i] = await startEngine(specs[i]!);
          } else if (kind === 1) {
            const i = random.int(2);
            const pid = siteMongods[i]!.supervisor.running?.pid;
            if (pid === undefined) continue; // still restarting from an earlier kill
            process.kill(pid, 'SIGKILL');
            report.faults.siteMongodKills++;
            log(`run ${run}: kill -9 site mongod ${i}`);
            await siteMongods[i]!.supervisor.waitUntilRunning(120_000).catch(() => undefined);
          } else if (kind === 2) {
            const pid = centralMongod.supervisor.running?.pid;
            if (pid === undefined) continue;
            process.kill(pid, 'SIGKILL');
            report.faults.centralMongodKills++;
            log(`run ${run}: kill -9 central mongod`);
            await centralMongod.supervisor.waitUntilRunning(120_000).catch(() => undefined);
          } else if (kind === 5) {
            // An operator pauses sync and soon resumes it, rounds under way or not.
            const i = random.int(2);
            const engine = engines[i];
            if (!engine || engine.exitCode !== null || engine.signalCode) continue;
            engine.kill('SIGUSR2');
            report.faults.pauses++;
            log(`run ${run}: pause and resume engine ${i}`);
            await new Promise((resolve) => setTimeout(resolve, random.int(1_500)));
            engine.kill('SIGUSR2');
          } else {
            const historyLost = kind === 3;
            const appName = random.pick(specs).instanceId;
            await central
              .db('admin')
              .command({
                configureFailPoint: 'failCommand',
                mode: { times: 1 + random.int(3) },
                data: historyLost
                  ? { failCommands: ['getMore'], errorCode: 286, appName }
                  : { failCommands: ['update', 'getMore', 'find'], closeConnection: true, appName },
              })
              .catch(() => undefined);
            report.faults[historyLost ? 'historyLost' : 'networkErrors']++;
            log(`run ${run}: failpoint ${historyLost ? '286' : 'network error'} for ${appName}`);
          }
        }
      })();
      await Promise.all([load, faults]);
      log(`run ${run}: load and faults done, waiting for convergence`);
      await central
        .db('admin')
        .command({ configureFailPoint: 'failCommand', mode: 'off' })
        .catch(() => undefined);
      for (let i = 0; i < engines.length; i++)
        if (!engines[i] || engines[i]!.exitCode !== null || engines[i]!.signalCode) {
          log(`run ${run}: engine ${i} is down, starting it`);
          engines[i] = await startEngine(specs[i]!);
        }
      const converged = await waitConverged(
        central.db(dbName),
        locals.map((l) => l.db(dbName)),
        specs,
        locals,
        Number(process.env['OUTPOST_CHAOS_CONVERGE_MS'] ?? 300_000),
        (line) => log(`run ${run}: ${line}`),
      );
      if (!converged) {
        for (const line of await divergence(central.db(dbName), locals, specs, dbName))
          log(`run ${run}: ${line}`);
        for (const spec of specs) {
          const lines = existsSync(engineLog(spec))
            ? readFileSync(engineLog(spec), 'utf8').trimEnd().split('\n')
            : ['(no log written)'];
          log(`run ${run}: last log lines of ${spec.instanceId} (${engineLog(spec)}):`);
          for (const line of lines.slice(-40)) log(`  ${line}`);
        }
      }
      report.converged.push(converged);
      const atCentral = new Map(
        (await central.db(dbName).collection('sales').find().toArray()).map((d) => [
          String(d._id),
          contentHash(stripSync(d)),
        ]),
      );
      for (const [id, hash] of expected) {
        report.documentsChecked++;
        const found = atCentral.get(id) ?? null;
        if (found !== hash) {
          report.losses++;
          if (report.mismatches.length < 20)
            report.mismatches.push(
              `${dbName} ${id}: expected ${hash ?? 'deleted'}, central has ${found ?? 'nothing'}`,
            );
        }
      }
      report.acknowledgedWrites += expected.size;
      for (const engine of engines) {
        engine?.kill('SIGTERM');
        if (engine && engine.exitCode === null) await once(engine, 'exit');
      }
      report.runs++;
      log(
        `run ${run}: converged ${converged}, checked ${expected.size}, losses so far ${report.losses}`,
      );
    }
  } finally {
    for (const child of children) child.kill('SIGKILL');
    await Promise.allSettled([central.close(), ...locals.map((l) => l.close())]);
    await Promise.allSettled(mongods.map((m) => stopTestMongod(m)));
  }
  return report;
}

/** Retries a write until acknowledged; a duplicate key on retry means the first try got through. */
async function retry(write: () => Promise<unknown>, insert = false): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await write();
      return;
    } catch (error) {
      if (insert && attempt > 0 && (error as { code?: number }).code === 11000) return;
      if (attempt > 200) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

function engineLog(spec: EngineProcessSpec): string {
  return path.join(CHAOS_LOG_DIR, `${spec.dbName}-${spec.instanceId}.log`);
}

/** Starts an engine process and waits for "ready"; a site mongod may be restarting, so it retries. */
async function startEngineProcess(spec: EngineProcessSpec, attempt = 1): Promise<ChildProcess> {
  mkdirSync(CHAOS_LOG_DIR, { recursive: true });
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/harness/engine-process.ts', JSON.stringify(spec)],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stderr.pipe(createWriteStream(engineLog(spec), { flags: 'a' }));
  engineProcesses.add(child);
  child.once('exit', () => engineProcesses.delete(child));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('engine did not start within 120 s')), 120_000);
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`engine exited before ready (${code ?? signal})`));
    });
  }).catch(async (error: unknown) => {
    child.kill('SIGKILL');
    if (attempt >= 30 || !String(error).includes('before ready')) throw error;
    // A site mongod may be restarting: try again once it is back.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  });
  return child.exitCode === null && child.signalCode === null
    ? child
    : startEngineProcess(spec, attempt + 1);
}

async function waitConverged(
  central: Db,
  sites: Db[],
  specs: EngineProcessSpec[],
  locals: MongoClient[],
  timeoutMs: number,
  log: (line: string) => void,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let reportAt = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const pending = await Promise.all(
      specs.map((spec, i) =>
        locals[i]!.db(spec.metaDatabase)
          .collection('outbox')
          .countDocuments()
          .catch(() => 1),
      ),
    );
    let same: boolean[] = [];
    if (pending.every((n) => n === 0)) {
      try {
        const hub = await snapshot(central);
        same = (await Promise.all(sites.map((db) => snapshot(db)))).map((s) => s === hub);
        if (same.every(Boolean)) return true;
      } catch (error) {
        log(`could not compare replicas yet: ${String(error)}`);
      }
    }
    if (Date.now() > reportAt) {
      reportAt = Date.now() + 30_000;
      log(
        `still converging: outboxes ${pending.join(', ')}, sites equal to central ${same.join(', ')}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return false;
}

async function snapshot(db: Db): Promise<string> {
  const parts: string[] = [];
  for (const coll of ['sales', 'products']) {
    const docs = await db.collection(coll).find().sort({ _id: 1 }).toArray();
    parts.push(docs.map((d) => `${String(d._id)}:${contentHash(stripSync(d))}`).join(','));
  }
  return parts.join('|');
}

/** What is left when a run did not converge: each site's outbox and the documents that differ. */
async function divergence(
  central: Db,
  locals: MongoClient[],
  specs: EngineProcessSpec[],
  dbName: string,
): Promise<string[]> {
  const lines: string[] = [];
  for (const [i, spec] of specs.entries()) {
    const meta = locals[i]!.db(spec.metaDatabase);
    const outbox = await meta.collection('outbox').find().limit(5).toArray();
    lines.push(
      `site ${i}: outbox ${await meta.collection('outbox').countDocuments()}, quarantine ${await meta.collection('quarantine').countDocuments()}, first: ${JSON.stringify(outbox)}`,
      `site ${i}: checkpoints ${JSON.stringify(await meta.collection('checkpoints').find().toArray())}`,
    );
    for (const coll of ['sales', 'products']) {
      const here = new Map(
        (await locals[i]!.db(dbName).collection(coll).find().toArray()).map((d) => [
          String(d._id),
          contentHash(stripSync(d)),
        ]),
      );
      const there = await central.collection(coll).find().toArray();
      const differ: string[] = [];
      let missing = 0;
      for (const doc of there) {
        const id = String(doc._id);
        if (!here.has(id)) missing++;
        if (here.get(id) !== contentHash(stripSync(doc))) differ.push(id);
        here.delete(id);
      }
      differ.push(...[...here.keys()].map((id) => `${id} (only here)`));
      if (differ.length > 0) {
        const first = differ[0]!.split(' ')[0]!;
        const metaDoc = await meta
          .collection('meta')
          .findOne({ '_id.coll': coll, '_id.id': first });
        const atCentral = await central.collection(coll).findOne({ _id: first as never });
        const atSite = await locals[i]!.db(dbName)
          .collection(coll)
          .findOne({ _id: first as never });
        lines.push(
          `site ${i} ${coll}: ${differ.length} differ, ${missing} missing here (${differ.slice(0, 5).join(', ')}); ${first}: central ${JSON.stringify(atCentral)}, site ${JSON.stringify(atSite)}, meta ${JSON.stringify(metaDoc)}`,
        );
      }
    }
  }
  return lines;
}
