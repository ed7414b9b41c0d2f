import { expect, test } from './support/fixtures.js';
import { expectInSync, leadingNumber, openSection, statePill, TRAY } from './support/ui.js';

test('cutting central shows the offline banner with a growing count; restoring drains it', async ({
  cluster,
  shoot,
}) => {
  const site = await cluster.startSite('a');
  const { page } = site;
  const sales = site.db.collection('sales');
  let next = 0;
  const sell = async (n: number) => {
    for (let i = 0; i < n; i++) await sales.insertOne({ _id: `sale-${next++}` as never, total: 5 });
  };
  await sell(1);
  // At central first: "In sync" alone could be read before capture has seen the sale.
  await expect.poll(() => cluster.central.collection('sales').countDocuments()).toBe(1);
  await expectInSync(page);

  site.proxy.cut();
  const banner = page.getByRole('region', { name: 'Central is unreachable' });
  await expect(banner).toBeVisible();
  await expect(statePill(page)).toHaveText('Offline — sales are safe on this computer');
  await expect(banner).toContainText('Sales are safe on this computer');

  // The till keeps selling: local writes succeed, and the waiting count grows with them.
  await sell(3);
  await expect.poll(() => leadingNumber(page, 'offline-pending')).toBe(3);
  await sell(4);
  await expect.poll(() => leadingNumber(page, 'offline-pending')).toBe(7);
  await expect(page.getByTestId('offline-pending')).toHaveText('7 changes');
  await expect(page.getByTestId('pending-count')).toHaveText('7');
  await expect(page.getByTestId('offline-duration')).toHaveText(/^\d+ s$/);
  expect(await sales.countDocuments()).toBe(8);
  // Per collection too: the seven wait in sales.
  await expect(
    page
      .getByTestId('collections-table')
      .getByRole('row', { name: /^sales/ })
      .getByRole('cell'),
  ).toHaveText(['Both ways', '8', /^(\d+|—)$/, '7']);
  expect(await cluster.central.collection('sales').countDocuments()).toBe(1);
  await shoot(page, 'offline');
  await page.setViewportSize(TRAY);
  await expect(banner).toBeInViewport();
  await shoot(page, 'tray-offline');
  await page.setViewportSize({ width: 1100, height: 800 });

  // Activity lists what waits, oldest first, with the failed tries and why.
  await openSection(page, 'Activity');
  const waiting = page.getByTestId('waiting');
  await expect(waiting).toContainText('7 changes wait to be sent to central, oldest first.');
  await expect(waiting.getByRole('row', { name: /sales sale-1 / })).toContainText(
    /Failed (once|\d+ times): .+/,
  );
  await shoot(page, 'waiting');
  await openSection(page, 'Status');

  site.proxy.restore();
  await expect(banner).toBeHidden({ timeout: 60_000 });
  await expectInSync(page);
  await expect
    .poll(() => cluster.central.collection('sales').countDocuments(), { timeout: 30_000 })
    .toBe(8);

  // The outage is in the activity log, in words.
  await openSection(page, 'Activity');
  const activity = page.getByRole('list', { name: 'Activity, newest first' });
  await expect(activity).toContainText('Central became unreachable');
  await expect(activity).toContainText('Connected to central again');
  // Central down past health.centralDownFailMs: an alert, and its end.
  await expect(activity).toContainText('Health alert');
  await expect(activity).toContainText('Health alert over');
  await expect(page.getByTestId('waiting')).toBeHidden();
  await shoot(page, 'activity');
});
