import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, test } from './support/fixtures.js';
import { CENTRAL_OWN } from '../harness/db-names.js';
import { openSection, siteWithThreeSales } from './support/ui.js';

test('Back up now writes a backup of the site on this computer, and says when', async ({
  cluster,
  shoot,
}) => {
  const site = await siteWithThreeSales(cluster);
  const { page } = site;
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

test('pointed at a new central, the site backs up first, sends everything, and says so', async ({
  cluster,
  shoot,
}) => {
  const site = await siteWithThreeSales(cluster);
  const { page } = site;

  // Head office gives the shop a new central: an empty database, reached by a new address.
  await openSection(page, 'Settings');
  await page.getByRole('button', { name: 'Pause sync' }).click();
  await cluster.central.dropDatabase();
  for (const coll of ['sales', 'orders', ...CENTRAL_OWN])
    await cluster.central.createCollection(coll);
  const field = page.getByRole('textbox', { name: 'Central connection string' });
  await field.fill(`mongodb://127.0.0.1:${site.proxy.port}/?directConnection=true&appName=moved`);
  await page.getByRole('button', { name: 'Test connection' }).click();
  await expect(page.getByTestId('connection-result')).toContainText('Connection works.');
  // Before saving, the operator is told what saving does.
  await expect(page.getByTestId('connection-after-save')).toHaveText(
    `This is not the central this site has synced ${site.db.databaseName} with. Saving it makes ` +
      `the site back up ${site.db.databaseName} on this computer first, then send everything it ` +
      "holds to this central and take what this central has, settled by each collection's rule.",
  );
  await shoot(page, 'central-changed-test');
  await page
    .getByRole('region', { name: 'Central database' })
    .getByRole('button', { name: 'Save', exact: true })
    .click();
  await expect(page.getByText(/^Saved to .*outpost\.json\./)).toBeVisible();
  await page.getByRole('button', { name: 'Resume sync' }).click();

  await expect.poll(() => cluster.central.collection('sales').countDocuments()).toBe(3);
  await openSection(page, 'Activity');
  await expect(page.getByText('Central is another one: syncing anew').first()).toBeVisible();
  await expect(page.getByText(/3 records queued to send/).first()).toBeVisible();
  await expect(page.getByText('Backed up before syncing with a new central').first()).toBeVisible();
  await shoot(page, 'central-changed-activity');
  await page.reload();
  await openSection(page, 'Settings');
  await expect(page.getByRole('region', { name: 'Backup' })).toContainText(
    /Last backup just now, before syncing with a new central: .*-before-new-central/,
  );
  await shoot(page, 'central-changed-backup');
});
