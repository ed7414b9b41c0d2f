import { expect, test } from './support/fixtures.js';
import { expectInSync, openSection } from './support/ui.js';

test('a sale central refuses is set aside, named in Activity, and sent by Try again once fixed', async ({
  cluster,
  shoot,
}) => {
  const site = await cluster.startSite('a');
  const { page } = site;
  await cluster.central.command({
    collMod: 'sales',
    validator: { $jsonSchema: { properties: { total: { bsonType: ['int', 'double'] } } } },
  });
  await site.db.collection('sales').insertOne({ _id: 'sale-ok' as never, total: 5 });
  await site.db.collection('sales').insertOne({ _id: 'sale-odd' as never, total: 'five' });
  await expect.poll(() => cluster.central.collection('sales').countDocuments()).toBe(1);

  await expect(page.getByText(/1 change could not be written and was set aside/)).toBeVisible();
  const checks = page.getByRole('list', { name: 'Checks that need attention' });
  await expect(checks.getByRole('listitem').filter({ hasText: 'Set aside' })).toContainText(
    '1 change set aside: refused by central',
  );
  await shoot(page, 'health-set-aside');
  await openSection(page, 'Activity');
  const card = page.getByTestId('set-aside');
  await expect(card.getByRole('row', { name: /sales sale-odd/ })).toContainText('To central');
  await expect(card).toContainText('Document failed validation');
  await shoot(page, 'set-aside');

  await cluster.central.command({ collMod: 'sales', validator: {} });
  await card.getByRole('button', { name: 'Try again' }).click();
  await expect(card.getByRole('status')).toHaveText('Tried again: 1 sent again.');
  await expect(card.getByRole('table')).toBeHidden();
  await expect.poll(() => cluster.central.collection('sales').countDocuments()).toBe(2);
  await shoot(page, 'set-aside-retried');
  await openSection(page, 'Status');
  await expectInSync(page);
  await expect(checks.filter({ hasText: 'Set aside' })).toBeHidden({ timeout: 15_000 });
});
