import { expect, test } from './support/fixtures.js';
import { expectInSync, openSection, statePill } from './support/ui.js';

test('settings test a connection string and explain what is wrong; sync can be paused', async ({
  cluster,
  shoot,
}) => {
  const site = await cluster.startSite('a', { collections: { orders: { strategy: 'manual' } } });
  const { page } = site;
  await expectInSync(page);
  await openSection(page, 'Settings');

  const field = page.getByRole('textbox', { name: 'Central connection string' });
  const testButton = page.getByRole('button', { name: 'Test connection' });
  const result = page.getByTestId('connection-result');
  const save = page
    .getByRole('region', { name: 'Central database' })
    .getByRole('button', { name: 'Save', exact: true });

  await field.fill('mongo://central.example.com/shop');
  await testButton.click();
  await expect(result).toHaveText(
    'Cannot use this connection. This is not a MongoDB connection string: it must start with ' +
      'mongodb:// or mongodb+srv://, not mongo://. Copy it again from your database provider ' +
      '(Atlas: Connect > Drivers).',
  );
  await expect(field).toHaveAttribute('aria-invalid', 'true');
  await expect(save).toBeDisabled();

  await field.fill('mongodb://manager:pa:ss@central.example.com');
  await field.press('Enter');
  await expect(result).toContainText(
    'This is not a valid connection string: Password contains unescaped characters.',
  );
  await expect(result).not.toContainText('pa:ss');
  await shoot(page, 'settings');

  // A working one (this site's own central, through its proxy) can be saved.
  const central = site.proxy.port;
  await field.fill(`mongodb://127.0.0.1:${central}/?directConnection=true`);
  await testButton.click();
  await expect(result).toContainText('Connection works. Connected to replica set "central"');
  await save.click();
  // The same string as the running one: saved, and nothing to change.
  await expect(
    page.getByText(/^Saved to .*outpost\.json\. Nothing changes in what runs/),
  ).toBeVisible();

  // The rules, in words.
  await expect(page.getByRole('combobox', { name: 'How orders syncs' })).toHaveValue('both');
  await expect(page.getByRole('combobox', { name: 'Who wins in orders' })).toHaveValue('manual');
  await expect(
    page.getByRole('combobox', { name: 'Who wins in orders' }).getByRole('option', {
      selected: true,
    }),
  ).toHaveText('Ask me');

  // The POS connection string, copied.
  const local = page.getByRole('textbox', { name: 'Local connection string' });
  await expect(local).toHaveValue(site.localUri);
  // A new site's mongod is password-protected, and the page says whom the string is for.
  expect(site.localUri).toMatch(/^mongodb:\/\/pos:[\w-]+@127\.0\.0\.1:/);
  await expect(page.getByText('give it to the point-of-sale software only')).toBeVisible();
  await page.getByRole('button', { name: 'Copy' }).click();
  await expect(page.getByText(/^(Copied|Selected)/)).toBeVisible();
  if (site.instance)
    expect(
      await page.evaluate(() =>
        (
          globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }
        ).navigator.clipboard.readText(),
      ),
    ).toBe(site.localUri);

  // Pause and resume.
  await page.getByRole('button', { name: 'Pause sync' }).click();
  await expect(statePill(page)).toHaveText('Paused');
  await site.db.collection('sales').insertOne({ _id: 'while-paused' as never, total: 1 });
  await page.getByRole('button', { name: 'Resume sync' }).click();
  await page.getByRole('button', { name: 'Sync now' }).click();
  // Sync now waits for the round and says what moved, and where (the sale may have gone on
  // resume already).
  const report = page.getByText(
    /^In sync: \d+ changes? sent, \d+ received(\.| \(sales: 1 sent\)\.)$/,
  );
  await expect(report).toBeVisible();
  await shoot(page, 'sync-now');
  await openSection(page, 'Status');
  await expectInSync(page);
  await expect
    .poll(() =>
      cluster.central.collection('sales').countDocuments({ _id: 'while-paused' as never }),
    )
    .toBe(1);
});
