import { expect, test } from './support/fixtures.js';
import { expectInSync, openSection, statePill, TRAY } from './support/ui.js';

test('a manual conflict made by two sites is resolved in the UI with an edited merge', async ({
  cluster,
  shoot,
}) => {
  const rules = { orders: { strategy: 'manual' as const } };
  const [a, b] = await Promise.all([
    cluster.startSite('a', { collections: rules }),
    cluster.startSite('b', { collections: rules }),
  ]);
  const order = (db: typeof a.db) => db.collection('orders').findOne({ _id: 'o1' as never });
  const status = async (db: typeof a.db): Promise<unknown> => (await order(db))?.['status'];
  await b.db
    .collection('orders')
    .insertOne({ _id: 'o1' as never, status: 'new', total: 10, table: 4 });
  await expect.poll(() => status(a.db), { timeout: 30_000 }).toBe('new');
  await expectInSync(a.page);

  // Site a is cut off and takes payment; meanwhile site b cancels the same order.
  a.proxy.cut();
  await expect(statePill(a.page)).toHaveText('Offline — sales are safe on this computer');
  await a.db
    .collection('orders')
    .updateOne({ _id: 'o1' as never }, { $set: { status: 'paid', total: 12 } });
  await b.db
    .collection('orders')
    .updateOne({ _id: 'o1' as never }, { $set: { status: 'cancelled' } });
  await expect.poll(() => status(cluster.central), { timeout: 30_000 }).toBe('cancelled');
  a.proxy.restore();

  // The inbox shows it, the pill asks for attention, and the badge counts it.
  await expect(statePill(a.page)).toHaveText('Needs attention', { timeout: 60_000 });
  await expect(a.page.getByTestId('conflicts-badge')).toHaveText('1 waiting');
  await openSection(a.page, 'Conflicts');
  const item = a.page.getByRole('button', { name: /^orders o1: Changed here and at central/ });
  await expect(item).toBeVisible();
  await shoot(a.page, 'conflicts-inbox');

  await item.click();
  await expect(a.page.getByRole('heading', { level: 3, name: 'orders o1' })).toBeFocused();
  const compare = a.page.getByTestId('conflict-compare');
  // The version both started from, then what each side made of it.
  await expect(compare.getByRole('columnheader', { name: 'Before' })).toBeVisible();
  await expect(
    compare.getByRole('row', { name: /status \(differs\)/ }).getByRole('cell'),
  ).toHaveText(['new', 'paid (changed)', 'cancelled (changed)']);
  await expect(
    compare.getByRole('row', { name: /total \(differs\)/ }).getByRole('cell'),
  ).toHaveText(['10', '12 (changed)', '10']);
  await expect(compare.getByRole('row', { name: /^table/ })).toHaveAttribute(
    'data-differs',
    'false',
  );

  await a.page.getByRole('button', { name: 'Edit a merged version' }).click();
  const editor = a.page.getByRole('textbox', { name: 'Merged version (JSON)' });
  // Starts from both sides: the site's payment, with nothing of central's lost.
  expect(JSON.parse(await editor.inputValue())).toEqual({
    _id: 'o1',
    status: 'paid',
    total: 12,
    table: 4,
  });
  // Checked before it is sent: broken JSON is refused in words, and nothing is resolved.
  await editor.fill('{ "status": "refunded", ');
  await a.page.getByRole('button', { name: 'Save merged version' }).click();
  await expect(a.page.getByTestId('merge-error')).toContainText('This is not valid JSON');
  await expect(editor).toHaveAttribute('aria-invalid', 'true');
  await expect(editor).toBeFocused();
  await shoot(a.page, 'conflict-detail');
  await a.page.setViewportSize(TRAY);
  await expect(a.page.getByRole('button', { name: 'Save merged version' })).toBeVisible();
  await shoot(a.page, 'tray-conflict-detail');
  await a.page.setViewportSize({ width: 1100, height: 800 });

  const merged = {
    _id: 'o1',
    status: 'refunded',
    total: 12,
    table: 4,
    note: 'paid, then cancelled',
  };
  await editor.fill(JSON.stringify(merged, null, 2));
  await expect(a.page.getByTestId('merge-error')).toBeHidden();
  await shoot(a.page, 'conflict-merge');
  await a.page.getByRole('button', { name: 'Save merged version' }).click();
  await expect(
    a.page.getByRole('status').filter({ hasText: 'Saved the merged version of orders o1' }),
  ).toBeVisible();
  await expect(a.page.getByTestId('conflicts-empty')).toBeVisible();

  // The merged version reaches central and both sites.
  for (const db of [cluster.central, a.db, b.db]) {
    await expect
      .poll(
        async () => {
          const doc = await order(db);
          if (!doc) return null;
          const { _sync: _ignored, ...content } = doc;
          return content;
        },
        { timeout: 30_000 },
      )
      .toEqual(merged);
  }
  await expect(statePill(a.page)).toHaveText('In sync');
  await expect(a.page.getByTestId('conflicts-badge')).toBeHidden();
  await a.page.getByRole('button', { name: 'Resolved' }).click();
  await expect(a.page.getByRole('button', { name: /^orders o1: .*, merged, / })).toBeVisible();
});
