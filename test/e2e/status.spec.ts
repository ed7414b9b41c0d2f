import { requestLoginLink } from '../../sync/api/cli/open-command.js';
import { expect, test } from './support/fixtures.js';
import { expectInSync, openSection, section, statePill, TRAY } from './support/ui.js';

test('the status view reaches "In sync" and shows the numbers a manager needs', async ({
  cluster,
  shoot,
}) => {
  const site = await cluster.startSite('a');
  const { page } = site;
  // Signed in by the one-time link, which left the address bar at once.
  await expect(page.getByRole('heading', { level: 1, name: 'Outpost' })).toBeVisible();
  expect(page.url()).not.toContain('token');

  await site.db
    .collection('sales')
    .insertMany(
      Array.from({ length: 5 }, (_, i) => ({ _id: `sale-${i}` as never, total: 10 + i, till: 1 })),
    );
  await expect.poll(() => cluster.central.collection('sales').countDocuments()).toBe(5);
  await expectInSync(page);
  await expect(statePill(page)).toHaveAttribute('role', 'status');
  await expect(page.getByTestId('state-title')).toHaveText('In sync');
  await expect(page.getByTestId('last-sync')).not.toHaveText('never');
  await expect(
    page.getByRole('img', { name: /Changes per second over the last minute/ }),
  ).toBeVisible();

  const sales = page.getByTestId('collections-table').getByRole('row', { name: /^sales/ });
  // Central's count is cached for 30 s (sync/status/collections.ts): a number, maybe not 5 yet.
  await expect(sales.getByRole('cell')).toHaveText(['Both ways', '5', /^\d+$/, '0']);
  await expect(page.getByTestId('health')).toBeVisible();
  await shoot(page, 'status');

  // Keyboard: after the skip link, Tab reaches the sections in order and Enter opens one.
  await page.getByRole('link', { name: 'Skip to content' }).focus();
  for (let i = 0; i < 3; i++) await page.keyboard.press('Tab');
  await expect(section(page, 'Settings')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { level: 2, name: 'Settings' })).toBeFocused();
  await openSection(page, 'Status');

  // The tray popup size: the same view, still readable.
  await page.setViewportSize(TRAY);
  await expect(statePill(page)).toBeInViewport();
  await expect(page.getByTestId('pending-count')).toBeVisible();
  await shoot(page, 'tray-status');

  // A sign-in link works once: opened again, it is refused in words.
  if (site.instance) {
    const link = site.loginUrl();
    const second = await page.context().newPage();
    await second.goto(link);
    await expect(statePill(second)).toHaveText('In sync');
    const third = await page.context().browser()!.newPage();
    await third.goto(link);
    await expect(third.getByRole('alert')).toContainText('already been used');
    // `outpost open` makes a new one from the token in the data directory.
    await third.goto(await requestLoginLink(site.dataDir));
    await expect(statePill(third)).toHaveText('In sync');
    await third.close();
  }
});
