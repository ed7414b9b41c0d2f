import { expect, test } from './support/fixtures.js';
import { expectInSync, openSection } from './support/ui.js';

test('rules edited in Settings take effect without a restart, and bad names are refused', async ({
  cluster,
  shoot,
}) => {
  const site = await cluster.startSite('a', { exclude: ['orders'] });
  const { page } = site;
  await site.db.collection('orders').insertOne({ _id: 'order-1' as never, total: 12 });
  await site.db.collection('sales').insertOne({ _id: 'sale-1' as never, total: 3 });
  await expect.poll(() => cluster.central.collection('sales').countDocuments()).toBe(1);
  await expectInSync(page);
  expect(await cluster.central.collection('orders').countDocuments()).toBe(0);

  await openSection(page, 'Settings');
  const save = page.getByRole('button', { name: 'Save rules' });
  await expect(save).toBeDisabled();
  const never = page.getByRole('list', { name: 'Never synced, in any database' });
  await expect(never.getByRole('listitem')).toHaveText(['orders×']);

  // Bad input is named before anything is saved.
  const ruleName = page.getByRole('textbox', { name: 'Collection to give a rule' });
  await ruleName.fill('bad$name');
  await page.getByRole('button', { name: 'Add rule' }).click();
  await expect(page.getByRole('alert')).toHaveText('A collection name cannot hold $ (bad$name).');
  await expect(save).toBeDisabled();

  // Orders: synced again, sent to central only, and the operator decides clashes.
  await never.getByRole('button', { name: 'Sync orders again' }).click();
  await ruleName.fill('orders');
  await page.getByRole('button', { name: 'Add rule' }).click();
  await page.getByRole('combobox', { name: 'How orders syncs' }).selectOption('push');
  await page.getByRole('combobox', { name: 'Who wins in orders' }).selectOption('manual');
  await shoot(page, 'rules-edited');
  await save.click();
  await expect(page.getByText(/^Saved to .*outpost\.json\. In effect now\.$/)).toBeVisible();
  await shoot(page, 'rules-saved');

  // The order sold while orders were excluded reaches central: the collection is read whole.
  await expect.poll(() => cluster.central.collection('orders').countDocuments()).toBe(1);
  await site.db.collection('orders').insertOne({ _id: 'order-2' as never, total: 5 });
  await expect.poll(() => cluster.central.collection('orders').countDocuments()).toBe(2);

  // Kept: a reload shows the saved rules, and the file holds them.
  await page.reload();
  await openSection(page, 'Settings');
  await expect(page.getByRole('combobox', { name: 'How orders syncs' })).toHaveValue('push');
  await expect(page.getByText('Never synced, in any database')).toBeVisible();
  await expect(page.getByRole('list', { name: 'Never synced, in any database' })).toHaveCount(0);
  if (site.instance) expect(site.instance.config.exclude).toEqual([]);
});
