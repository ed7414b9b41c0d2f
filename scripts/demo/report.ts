/** What the demo prints: a status line per site while it runs, a convergence summary at the end. */
import type { Db, Document, Filter } from 'mongodb';
import { contentHash } from '../../sync/engine/hash.js';
import type { EngineStatus } from '../../sync/engine/create-engine.js';
import { COLLECTIONS, type Central, type Site } from './cluster.js';
import { CATALOGUE, INITIAL_STOCK, type HeadOffice, type SiteTraffic } from './traffic.js';

export async function statusLines(
  central: Central,
  sites: readonly Site[],
  elapsedMs: number,
): Promise<string[]> {
  const stamp = `[${String(Math.round(elapsedMs / 1000)).padStart(4)}s]`;
  const lines: string[] = [];
  if (central.restarts.count > 0)
    lines.push(`${stamp} central mongod restarted ${central.restarts.count}x`);
  for (const site of sites) {
    const status = await site.instance.engine.status();
    const restarted = site.restarts.count > 0 ? `  mongod restarted ${site.restarts.count}x` : '';
    lines.push(
      `${stamp} ${site.name}  ${status ? formatStatus(status) : 'local-only'}${restarted}`,
    );
  }
  return lines;
}

function formatStatus(status: EngineStatus): string {
  const state =
    status.state.name === 'offline' ? `offline (${status.state.reason})` : status.state.name;
  const c = status.counters;
  return [
    state.padEnd(8),
    `outbox ${String(status.outboxDepth).padStart(4)}`,
    `pushed ${String(c.pushed).padStart(5)}`,
    `pulled ${String(c.pulled).padStart(5)}`,
    `conflicts ${c.conflicts}`,
    ...(status.quarantined > 0 ? [`quarantined ${status.quarantined}`] : []),
  ].join('  ');
}

/** Central's documents a site should hold: scoped collections only in that site's scope. */
function scopeAt(coll: string, site: Site): Filter<Document> {
  return coll === 'sales' ? { $or: [{ siteId: site.siteId }, { siteId: null }] } : {};
}

async function hashes(
  db: Db,
  coll: string,
  filter: Filter<Document>,
): Promise<Map<string, string>> {
  const docs = await db.collection(coll).find(filter).toArray();
  return new Map(docs.map((doc) => [JSON.stringify(doc._id), contentHash(doc)]));
}

function sameContent(a: Map<string, string>, b: Map<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [id, hash] of a) if (b.get(id) !== hash) return false;
  return true;
}

export interface SiteComparison {
  count: number;
  expected: number;
  same: boolean;
}

export interface Comparison {
  converged: boolean;
  outbox: Record<string, number>;
  rows: { coll: string; central: number; sites: Record<string, SiteComparison> }[];
}

/** Every site holds exactly central's documents in its scope (content too), nothing pending. */
export async function compare(central: Db, sites: readonly Site[]): Promise<Comparison> {
  const outbox: Record<string, number> = {};
  for (const site of sites)
    outbox[site.name] = (await site.instance.engine.status())?.outboxDepth ?? 0;
  const rows: Comparison['rows'] = [];
  let converged = Object.values(outbox).every((depth) => depth === 0);
  for (const coll of COLLECTIONS) {
    const all = await central.collection(coll).countDocuments();
    const row: Comparison['rows'][number] = { coll, central: all, sites: {} };
    for (const site of sites) {
      const [expected, actual] = await Promise.all([
        hashes(central, coll, scopeAt(coll, site)),
        hashes(site.db, coll, {}),
      ]);
      const same = sameContent(expected, actual);
      converged &&= same;
      row.sites[site.name] = { count: actual.size, expected: expected.size, same };
    }
    rows.push(row);
  }
  return { converged, outbox, rows };
}

export async function summary(options: {
  central: Db;
  sites: readonly Site[];
  traffic: ReadonlyMap<string, SiteTraffic>;
  headOffice: HeadOffice;
  comparison: Comparison;
}): Promise<{ lines: string[]; ok: boolean }> {
  const { central, sites, traffic, headOffice, comparison } = options;
  const lines = ['', `Convergence summary (database pos)`];
  const width = 16;
  lines.push(
    `  ${'collection'.padEnd(10)} ${'central'.padStart(8)}  ${sites.map((s) => s.name.padEnd(width)).join('')}`,
  );
  for (const row of comparison.rows) {
    const cells = sites.map((site) => {
      const cell = row.sites[site.name];
      if (!cell) return ''.padEnd(width);
      const scoped = cell.expected !== row.central ? ` of ${cell.expected}` : '';
      return `${cell.count}${scoped} ${cell.same ? 'same' : 'DIFFERENT'}`.padEnd(width);
    });
    lines.push(`  ${row.coll.padEnd(10)} ${String(row.central).padStart(8)}  ${cells.join('')}`);
  }
  lines.push(
    '  ("of N": the documents of central in that site\'s scope: its own sales and global ones)',
  );

  let ok = comparison.converged;
  for (const site of sites) {
    const rung = traffic.get(site.name)?.sales ?? 0;
    const atCentral = await central.collection('sales').countDocuments({ siteId: site.siteId });
    const status = await site.instance.engine.status();
    const c = status?.counters;
    lines.push(
      `  ${site.name}: ${rung} sales rung up, ${atCentral} at central${atCentral === rung ? '' : ' (MISSING SOME)'}; ` +
        `outbox ${comparison.outbox[site.name] ?? '?'}, pushed ${c?.pushed ?? 0}, pulled ${c?.pulled ?? 0}, ` +
        `conflicts ${c?.conflicts ?? 0} (open ${status?.openConflicts ?? 0}), quarantined ${status?.quarantined ?? 0}`,
    );
    ok &&= atCentral === rung;
  }
  lines.push(`  head office: ${headOffice.priceChanges} price changes at central`);

  const units = [...traffic.values()].reduce((sum, t) => sum + t.units, 0);
  const [stock] = await central
    .collection('stock')
    .aggregate<{ qty: number }>([{ $group: { _id: null, qty: { $sum: '$qty' } } }])
    .toArray();
  const expected = INITIAL_STOCK * CATALOGUE.length - units;
  const lost = (stock?.qty ?? 0) - expected;
  lines.push(
    `  stock: ${stock?.qty ?? 0} units at central; ${expected} expected from ${units} units sold` +
      (lost === 0
        ? ' (every decrement kept)'
        : ` (${Math.abs(lost)} units of decrements ${lost > 0 ? 'lost' : 'counted twice'}: \`qty\` is a ` +
          'declared counter, so this is a defect; please report it with the logs under .cache/demo)'),
  );
  lines.push(
    ok && lost === 0
      ? "RESULT: converged: each site holds exactly central's documents in its scope, nothing pending, no sale lost."
      : ok
        ? 'RESULT: converged, but the stock counts are wrong (see the stock line above).'
        : 'RESULT: NOT converged (see DIFFERENT / MISSING / outbox above).',
  );
  return { lines: lines.map((line) => line.trimEnd()), ok: ok && lost === 0 };
}
