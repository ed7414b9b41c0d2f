import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, test } from './support/fixtures.js';
import { expectInSync, openSection } from './support/ui.js';

test('Back up now writes a backup of the site on this computer, and says when', async ({
  cluster,
  shoot,
}) => {
  const site = await cluster.startSite('a');
  const { page } = site;
  await site.db
    .collection('sales')
    .insertMany(Array.from({ length: 3 }, (_, i) => ({ _id: `sale-${i}` as never, total: 10 })));
  await expectInSync(page);
  await openSection(page, 'Settings');
  const card = page.getByRole('region', { name: 'Backup' });
  await expect(card).toContainText('No backup made yet.');

  await card.getByRole('button', { name: 'Back up now' }).click();
  const status = card.getByRole('status');
  await expect(status).toHaveText(/^Backed up \d+ records in \d+ collections? to .+ in \d+ ms\.$/);
  const dir = /to (.+) in \d+ ms\.$/.exec((await status.textContent()) ?? '')![1]!;
  expect(path.dirname(dir)).toBe(path.join(site.dataDir, 'backups'));
  const manifest = JSON.parse(await readFile(path.join(dir, 'outpost-backup.json'), 'utf8')) as {
    databases: { name: string; collections: { name: string; documents: number }[] }[];
  };
  // The site's database with its three sales; Outpost's own metadata is not in it.
  const pos = manifest.databases.find((db) => db.name === site.db.databaseName);
  expect(pos?.collections.find((c) => c.name === 'sales')?.documents).toBe(3);
  expect(manifest.databases.map((db) => db.name)).not.toContain('outpost');
  expect(existsSync(path.join(dir, site.db.databaseName, 'sales.bson'))).toBe(true);
  await shoot(page, 'backup-done');

  // Shown again later, from the sync log.
  await page.reload();
  await openSection(page, 'Settings');
  await expect(page.getByRole('region', { name: 'Backup' })).toContainText(
    `Last backup just now: ${dir}`,
  );
  await shoot(page, 'backup-last');
  await openSection(page, 'Activity');
  await expect(page.getByText('Backup written').first()).toBeVisible();
});
