import { expect, test } from './support/fixtures.js';
import { siteWithThreeSales } from './support/ui.js';

test('Check against central finds a record that drifted, and Repair re-syncs it', async ({
  cluster,
  shoot,
}) => {
  const site = await siteWithThreeSales(cluster);
  const { page } = site;

  const card = page.getByTestId('verify');
  await card.getByRole('button', { name: 'Check now' }).click();
  await expect(card.getByRole('status')).toHaveText(
    /^All match: 3 records in \d+ collections? checked\.$/,
  );

  // Central changed behind the site's back, under a version that claims to be the site's own:
  // the site's stream passes over it, so only a comparison finds it.
  const sales = cluster.central.collection('sales');
  const origin = ((await sales.findOne({ _id: 'sale-1' as never }))!['_sync'] as { o: string }).o;
  await sales.updateOne(
    { _id: 'sale-1' as never },
    { $set: { total: 99, '_sync.v': `9999999999999-000000-${origin}`, '_sync.o': origin } },
  );
  await card.getByRole('button', { name: 'Check now' }).click();
  await expect(card.getByRole('status')).toHaveText(/^1 record differs from central/);
  await expect(card.getByRole('row', { name: /sales sale-1/ })).toContainText('differs');
  await shoot(page, 'verify-differs');

  await card.getByRole('button', { name: 'Repair 1 record' }).click();
  await expect(card.getByRole('status')).toHaveText('Repaired 1 record.');
  expect(await site.db.collection('sales').findOne({ _id: 'sale-1' as never })).toMatchObject({
    total: 99,
  });
  await shoot(page, 'verify-repaired');

  // One collection alone: a resync of sales.
  await card.getByRole('combobox', { name: 'Collections to check' }).selectOption('sales');
  await card.getByRole('button', { name: 'Check now' }).click();
  await expect(card.getByRole('status')).toHaveText(
    'All match: 3 records in 1 collection checked.',
  );
  await shoot(page, 'verify-one-collection');
});
